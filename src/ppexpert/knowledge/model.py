"""Typed, immutable objects of the knowledge base and of scenarios.

The same pydantic models validate the YAML and are published as JSON Schema (`ppexpert schema`).
Every object read from YAML keeps its Span (file:line:col) in a private attribute.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ppexpert.knowledge.problems import Span

UNKNOWN = "unknown"  # a parameter value the plan's text does not settle
NOT_ADDRESSED = "not_addressed"  # the plan is silent on it
NOT_APPLICABLE = "not_applicable"  # the question does not arise under the plan
# Words every parameter accepts besides its own domain. `unknown` is what a parameter left out means; the other
# two are stated facts about the text, which no comparison matches (a rule tests them with `is` / `in`).
SPECIAL_VALUES = (UNKNOWN, NOT_ADDRESSED, NOT_APPLICABLE)
STATED_SPECIALS = (NOT_ADDRESSED, NOT_APPLICABLE)

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
RuleId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")]
Scalar = Union[bool, int, float, str, None]


_IN_MEMORY = Span("<memory>")  # frozen: every object made in memory shares it


class _Model(BaseModel):
    # defer_build: validators are built on first use, so a cached knowledge base starts without building them all
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
    # a factory, not a default: pydantic deep-copies a default for every object (a fifth of loading 4,000 rules)
    _span: Span = PrivateAttr(default_factory=lambda: _IN_MEMORY)
    _path: tuple = PrivateAttr(default=())

    @property
    def span(self) -> Span:
        return self._span

    @property
    def yaml_path(self) -> tuple:
        """Where the object stands in its file, e.g. ('rules', 3): the checker points below it."""
        return self._path

    def at(self, span: Span, path: tuple | None = None) -> "_Model":
        self._span = span
        if path is not None:
            self._path = tuple(path)
        return self


# ---------------------------------------------------------------- sources and citations

SourceKind = Literal[
    "constitution", "statute", "treaty", "resolution", "declaration", "plan", "article",
    "report", "news", "dataset", "judgment", "official-statement", "analysis",
]


class Source(_Model):
    """A citable document."""

    id: str = Field("", description="set by the loader from the key under `sources:`")
    title: str
    kind: SourceKind
    date: _dt.date | None = Field(None, description="publication or adoption date")
    publisher: str | None = None
    address: str = Field(description="where a reader can follow the citation (URL)")
    note: str | None = None
    plan_code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9]*$")] | None = Field(
        None, description="for the text of a plan: the short code rules cite its points by, e.g. 28pt in "
                    "'28pt:21'")


class Citation(_Model):
    """A pointer into a source, at article or page level."""

    source: Identifier
    locator: str = Field(description="article, paragraph, point or page, e.g. 'Art. 73' or 'point 21'")
    address: str | None = Field(None, description="a deep link, when the source has one per article")
    quote: str | None = None


# ---------------------------------------------------------------- facts: provisions and baselines


class InForce(_Model):
    """The period a provision binds Ukraine (or applies to it): from and to are inclusive; open ends are unbounded."""

    start: _dt.date | None = Field(None, alias="from")
    end: _dt.date | None = Field(None, alias="to")
    note: str | None = Field(None, description="how it came to apply, e.g. by an Art. 12(3) declaration")

    def covers(self, day: _dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def shown(self) -> str:
        if self.start and self.end:
            return f"in force from {self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"in force from {self.start.isoformat()}"
        return f"in force until {self.end.isoformat()}" if self.end else "in force"


Binding = Literal["legal", "political"]
Part = Literal["operative", "preamble", "annex"]


class Provision(_Model):
    """One article (or paragraph) of a legal instrument."""

    id: str = Field("", description="set by the loader: the file's namespace plus the key, e.g. ua.constitution.art-73")
    instrument: str = Field("", description="set by the loader from the file's `instrument`")
    source: str = Field("", description="set by the loader from the file's `source`")
    article: str
    paragraph: str | None = None
    heading: str | None = None
    paraphrase: str = Field(description="one line in plain words; say what is simplified in `note`")
    quote: str | None = None
    locator: str | None = Field(None, description="defaults to 'Art. <article>(<paragraph>)'")
    address: str | None = Field(None, description="a deep link to the article; defaults to the source's address")
    in_force: InForce | None = None
    binding: Binding | None = Field(None, description=(
        "legal (a treaty, statute, constitution, or custom) or political (a declaration, a resolution that "
        "recommends, a memorandum of assurances); defaults to the file's `binding`"))
    part: Part = Field("operative", description=(
        "where the text stands in its instrument: a preamble states purposes and creates no obligation of its own"))
    note: str | None = None

    @property
    def cited_as(self) -> str:
        if self.locator:
            return self.locator
        return f"Art. {self.article}" + (f"({self.paragraph})" if self.paragraph else "")


class ProvisionsFile(_Model):
    """knowledge/provisions/<jurisdiction>/<instrument>.yaml: the path is the namespace."""

    instrument: str
    source: Identifier
    binding: Binding = Field("legal", description=(
        "whether the instrument binds in law or only politically (the Helsinki Final Act, UNGA resolutions, "
        "summit declarations); a provision may state its own. A violation may not rest on a political text"))
    provisions: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")], Provision]


# partly: the record agrees with part of the claim and not with the rest (the record says which part)
ClaimStatus = Literal["confirmed", "partly", "differs", "unverified"]


class SourceValue(_Model):
    """What one source says a baseline's value is."""

    source: Identifier
    locator: str
    value: Scalar
    status: ClaimStatus = "confirmed"
    note: str | None = None


class DatedValue(_Model):
    """The value a baseline held over one period (from and to inclusive; an open end is unbounded)."""

    start: _dt.date | None = Field(None, alias="from")
    end: _dt.date | None = Field(None, alias="to")
    value: Scalar
    source: Identifier
    locator: str
    note: str | None = None

    def covers(self, day: _dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def shown(self) -> str:
        start = self.start.isoformat() if self.start else "..."
        return f"{start} to {self.end.isoformat()}" if self.end else f"from {start}"


class Baseline(_Model):
    """A measured or legal fact with a value, a unit and the date it holds for."""

    id: str = Field("", description="set by the loader: the file's namespace plus the key")
    title: str
    value: Scalar
    unit: str | None = None
    holds_for: str = Field(description="the date or period the value holds for, e.g. 2024-01")
    alias: Identifier | None = Field(None, description="a short name scenarios may use in `assumptions`")
    values: list[SourceValue] = Field(min_length=1, description="each source's value; the first agrees with `value`")
    chosen_because: str | None = Field(None, description="why the knowledge base uses `value` where sources disagree")
    dated: list[DatedValue] = Field(default_factory=list, description=(
        "the value over each period; assessed as of a day, the baseline takes the value of the period that covers "
        "it, and is unknown on a day no period covers. Without `dated`, `value` holds on every day"))
    min: float | None = Field(None, description="the smallest value a scenario's assumption may give (numbers)")
    max: float | None = Field(None, description="the largest value a scenario's assumption may give (numbers)")
    integer: bool = Field(False, description="assumptions must be whole numbers (a head count, a year)")

    @model_validator(mode="after")
    def _in_own_domain(self) -> "Baseline":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        number = isinstance(self.value, (int, float)) and not isinstance(self.value, bool)
        if (self.min is not None or self.max is not None or self.integer) and not number:
            raise ValueError("min, max and integer apply to numeric baselines only")
        if number and ((self.min is not None and self.value < self.min) or
                       (self.max is not None and self.value > self.max)):
            raise ValueError(f"the value {self.value} is outside its own domain ({self.min} to {self.max})")
        return self

    @property
    def disputed(self) -> bool:
        return any(v.value != self.value for v in self.values)

    def on(self, day: _dt.date | None) -> "DatedValue | None":
        """The period that covers `day` (None when the baseline is not dated, no day is given, or none covers it)."""
        if day is None:
            return None
        return next((period for period in self.dated if period.covers(day)), None)

    def value_on(self, day: _dt.date | None) -> Scalar:
        """The value as of `day`: `value` when undated or no day is given; else the covering period's, or unknown."""
        if day is None or not self.dated:
            return self.value
        period = self.on(day)
        return period.value if period is not None else UNKNOWN


class Claim(_Model):
    """A factual claim of one source, set against the public record."""

    id: str = Field("", description="set by the loader from the key")
    source: Identifier
    locator: str = Field(description="where the source makes the claim")
    claim: str
    status: ClaimStatus
    record: str = Field(description="what the public record says")
    record_sources: list[Citation] = Field(default_factory=list)
    about: list[str] = Field(default_factory=list, description="provision, baseline or parameter ids it bears on")


# ---------------------------------------------------------------- scale, areas, parameters


class Floor(_Model):
    """A promise of the scale that the engine keeps: a conclusion of this kind standing in an area makes the area's
    risk at least the level the floor belongs to."""

    kind: Identifier = Field(description="the kind of conclusion that sets the floor, e.g. violation")
    reason: str = Field(description="why such a conclusion makes the area at least this level, in the scale's words")


class Level(_Model):
    id: Identifier
    meaning: str
    floors: list[Floor] = Field(default_factory=list, description=(
        "conclusions that make an area's risk at least this level whatever its rules conclude"))


class Scale(_Model):
    levels: list[Level] = Field(min_length=2, description="from least to most severe")

    def rank(self, level: str) -> int:
        return [lv.id for lv in self.levels].index(level)

    @property
    def names(self) -> list[str]:
        return [lv.id for lv in self.levels]


class Area(_Model):
    id: str = Field("", description="set by the loader from the key")
    title: str = Field(description="the card's heading, e.g. 'Impact on sovereignty'")
    question: str
    dial: str | None = Field(None, description="the scenario parameter the calculator's dial sets")


ParameterType = Literal["number", "integer", "choice", "boolean", "record", "set"]


class Field_(_Model):
    type: Literal["number", "integer"]
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    title: str | None = None


class Parameter(_Model):
    """A scenario input: its type and the values it may take. Every parameter also accepts `unknown`."""

    id: str = Field("", description="set by the loader from the key")
    title: str
    type: ParameterType
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: list[str] | None = Field(None, description="for type choice, the allowed words; for type set, the "
                                      "words its list may hold (each is also a derived true/false input)")
    fields: dict[str, Field_] | None = Field(None, description="for type record: exactly one of these is given")
    nullable: bool = Field(False, description="whether null is allowed (meaning: the plan sets none)")
    null_means: str | None = None
    derived: bool = Field(False, description="computed from other inputs before the engine runs")
    formula: str | None = Field(None, description="for derived values: how it is computed, in words")
    plan_points: str | None = None
    note: str | None = Field(None, description="what the words mean, or what the parameter leaves out")
    derived_when: Identifier | None = Field(
        None, description="a group id: when a scenario states any input of that group, this parameter is derived "
                          "from the group (and the scenario may not state it too); otherwise it is an input")
    group: str | None = Field(None, description="set by the loader: the group this parameter was expanded from")
    member_of: str | None = Field(None, description="set by the loader: for a set's member, the set parameter")

    @model_validator(mode="after")
    def _shape(self) -> "Parameter":
        if self.type in ("choice", "set") and not self.choices:
            raise ValueError(f"a {self.type} parameter needs `choices`")
        if self.type == "record" and not self.fields:
            raise ValueError("a record parameter needs `fields`")
        return self


# ---------------------------------------------------------------- rules

ConditionOp = Literal["is", "is_not", "in", "not_in", "at_least", "at_most", "above", "below", "present"]


class Condition(_Model):
    """One test in a rule's `when` or `unless` list: a subject and at most one operator.

    Subjects: `input` (a scenario parameter or derived value), `fact` (a baseline id), or
    `conclusion` (a conclusion id, or `risk.*` for any risk). With no operator a conclusion is tested
    for presence. Levels compare on the scale's order.
    """

    input: str | None = None
    fact: str | None = None
    conclusion: str | None = None
    is_: Scalar = Field(None, alias="is")
    is_not: Scalar = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    at_least: float | int | str | None = None
    at_most: float | int | str | None = None
    above: float | int | None = None
    below: float | int | None = None

    @model_validator(mode="after")
    def _one_subject_one_op(self) -> "Condition":
        subjects = [s for s in ("input", "fact", "conclusion") if getattr(self, s) is not None]
        if len(subjects) != 1:
            raise ValueError("a condition names exactly one of `input`, `fact` or `conclusion`")
        written = {type(self).model_fields[name].alias or name for name in self.model_fields_set}
        given = [op for op in _OPS if op in written]
        if len(given) > 1:
            raise ValueError(f"a condition takes one operator; found {', '.join(given)}")
        if not given and self.conclusion is None:
            raise ValueError("an `input` or `fact` condition needs an operator: " + ", ".join(_OPS))
        return self

    @cached_property
    def subject(self) -> str:
        return self.input or self.fact or self.conclusion or ""

    @cached_property
    def subject_kind(self) -> str:
        return "input" if self.input is not None else "fact" if self.fact is not None else "conclusion"

    @cached_property
    def op(self) -> str:
        # `is: null` differs from no operator at all, so read which keys were written.
        written = {type(self).model_fields[name].alias or name for name in self.model_fields_set}
        return next((op for op in _OPS if op in written), "present")

    @cached_property
    def operand(self) -> Any:
        if self.op == "present":
            return None
        return getattr(self, {"is": "is_", "in": "in_"}.get(self.op, self.op))


_OPS = ("is", "is_not", "in", "not_in", "at_least", "at_most", "above", "below")


CONCLUSION_KINDS = ("risk", "violation", "requirement", "commitment", "consequence", "finding")
ConclusionKind = Literal["risk", "violation", "requirement", "commitment", "consequence", "finding"]
_REQUIREMENT_FIELDS = ("step", "barred_by", "conditioned_by", "met_by")


class Then(_Model):
    """What a rule concludes: exactly one of risk, violation, requirement, commitment, consequence, finding.

    A violation: adopting or carrying out the plan's terms breaches a binding legal provision (not a preamble, not
    a political text). A requirement: the plan needs a legal step (an amendment, a referendum, an election) that
    the law bars or conditions; say which step, what bars or conditions it, and how it could be met. A commitment:
    the plan cuts against a politically binding instrument (the Helsinki Final Act). A consequence: what follows in
    fact. A finding: a derived line.
    """

    risk: Identifier | None = Field(None, description="an area id: concludes risk.<area>")
    level: Identifier | None = Field(None, description="the risk's level, from the scale")
    violation: str | None = Field(None, description=(
        "a provision id: concludes violation.<provision>, a breach of binding law by the plan's terms"))
    requirement: Identifier | None = Field(None, description=(
        "concludes requirement.<name>: a legal step the plan needs that the law bars or conditions"))
    commitment: str | None = Field(None, description=(
        "a provision id of a politically binding text: concludes commitment.<provision>"))
    consequence: Identifier | None = Field(None, description="concludes consequence.<name>")
    finding: Identifier | None = Field(None, description="a derived line: concludes finding.<name>")
    step: str | None = Field(None, description="for a requirement: the legal step the plan needs, in words")
    barred_by: list[str] = Field(default_factory=list, description=(
        "for a requirement: provisions (among `rests_on`) that forbid the step, e.g. while martial law lasts"))
    conditioned_by: list[str] = Field(default_factory=list, description=(
        "for a requirement: provisions (among `rests_on`) that set a condition or procedure for the step"))
    met_by: str | None = Field(None, description="for a requirement: how the step could lawfully be taken")
    area: Identifier | None = Field(None, description="the area whose card shows it")
    label: str | None = Field(None, description="the card's label for this line, e.g. 'Land control'")

    @model_validator(mode="after")
    def _exactly_one(self) -> "Then":
        kinds = [k for k in CONCLUSION_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("`then` names exactly one of " + ", ".join(CONCLUSION_KINDS))
        if self.risk is not None and self.level is None:
            raise ValueError("a risk conclusion needs a `level`")
        if self.risk is None and self.level is not None:
            raise ValueError("only a risk conclusion has a `level`")
        if self.requirement is not None:
            if not self.step or not self.met_by:
                raise ValueError("a requirement needs `step` (the legal step the plan needs) and `met_by` (how it "
                                 "could lawfully be taken)")
            if not self.barred_by and not self.conditioned_by:
                raise ValueError("a requirement names what bars or conditions its step: `barred_by` or "
                                 "`conditioned_by` (provision ids)")
        else:
            given = [f for f in _REQUIREMENT_FIELDS if f in self.model_fields_set]
            if given:
                raise ValueError(f"only a requirement has {', '.join(given)}")
        return self

    @cached_property
    def kind(self) -> str:
        return next(k for k in CONCLUSION_KINDS if getattr(self, k) is not None)

    @cached_property
    def conclusion_id(self) -> str:
        return f"{self.kind}.{getattr(self, self.kind)}"

    @cached_property
    def area_id(self) -> str | None:
        return self.risk or self.area


class Rule(_Model):
    """A researcher's rule: conditions over inputs, facts and earlier conclusions, and what follows."""

    id: RuleId
    title: str
    rests_on: list[str] = Field(default_factory=list, description=(
        "the legal and factual basis: provision and baseline ids the conclusion rests on. A rule whose basis "
        "provision is not in force on the day assessed does not fire"))
    context: list[str] = Field(default_factory=list, description=(
        "provisions and baselines cited for context (background, analogy), not as the conclusion's basis"))
    plan_points: list[str] = Field(default_factory=list, description="plan points the rule reads, e.g. '28pt:21'")
    when: list[Condition] = Field(min_length=1)
    unless: list[Condition] = Field(default_factory=list, description="named exception: the rule does not apply when all hold")
    unless_reason: str | None = None
    overrides: list[RuleId] = Field(default_factory=list, description="rules this one defeats when both apply")
    then: Then
    because: str = Field(description="the explanation sentence; {name} inserts an input, fact or derived value")
    rationale: str | None = Field(None, description="why a threshold sits where it does")
    note: str | None = Field(None, description="what the formalisation simplifies or leaves out")
    # set only on the rules the loader makes from the scale's floors (knowledge/floors.py): the floor they keep
    _floor: Any = PrivateAttr(default=None)

    @property
    def floor(self) -> "FloorOf | None":
        return self._floor


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class FloorOf:
    """What a rule made from a floor keeps: the level, the reason, the rule whose conclusion triggers it, where."""

    level: str
    kind: str
    reason: str
    trigger: str  # the rule whose conclusion sets the floor
    area: str
    at: str  # scale.yaml:line of the floor


class Assumption(_Model):
    """A scenario's own value for a knowledge-base baseline, with the source that gives it."""

    value: Scalar
    source: Identifier
    note: str | None = None


# What a rule sentence may say of the plan itself: {plan.title}, {plan.parties}, {plan.date}; and of each input,
# {<input>.point} (the point the scenario cites for it) and {<input>.note}.
PLAN_PLACEHOLDERS = ("plan.title", "plan.parties", "plan.date")


class Scenario(_Model):
    id: Identifier
    title: str
    description: str | None = None
    plan: Identifier | None = Field(None, description="the source id of the plan's text")
    parties: list[str] = Field(default_factory=list, description=(
        "who drafted or would sign the plan, e.g. [the United States, Russia]; rule sentences show them as "
        "{plan.parties}"))
    date: _dt.date | None = Field(None, description="the plan's date: law and facts are taken as of this day")
    as_of: _dt.date | None = Field(None, description="assess as of this day instead of `date` (--as-of overrides both)")
    parameters: dict[str, Any] = Field(default_factory=dict)
    assumptions: dict[str, Assumption] = Field(default_factory=dict)


# ---------------------------------------------------------------- whole files (validated, and published as JSON Schema)

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]


class SourcesFile(_Model):
    sources: dict[Key, Source]


class BaselinesFile(_Model):
    baselines: dict[Key, Baseline]


class ClaimsFile(_Model):
    claims: dict[Key, Claim]


class ScaleFile(Scale):
    pass


class AreasFile(_Model):
    areas: dict[Key, Area]


class GroupField(_Model):
    """One field of a group: a parameter without an id (the loader names it <group>.<member>.<field>)."""

    title: str
    type: ParameterType
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: list[str] | None = None
    nullable: bool = False
    null_means: str | None = None
    plan_points: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> "GroupField":
        if self.type in ("choice", "set") and not self.choices:
            raise ValueError(f"a {self.type} field needs `choices`")
        if self.type == "record":
            raise ValueError("a group field cannot be a record; give each of its parts a field of its own")
        return self


class ParameterGroup(_Model):
    """A family of parameters written under one key of a scenario, e.g. `territory: {donetsk: {status: ...}}`.

    With `each`, the fields repeat for every member (`territory.donetsk.status`); without it they sit directly
    below the group (`guarantee.legal_form`). The loader expands a group into ordinary parameters.
    """

    id: str = Field("", description="set by the loader from the key")
    title: str
    each: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")], str] | None = Field(
        None, description="members the fields repeat for: member id -> its name in words")
    fields: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")], GroupField] = Field(min_length=1)
    plan_points: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _no_reserved(self) -> "ParameterGroup":
        reserved = {"value", "point", "note"}
        for name in [*(self.each or {}), *self.fields]:
            if name in reserved:
                raise ValueError(f"'{name}' is reserved for citations (value, point, note); choose another name")
        return self


class ParametersFile(_Model):
    parameters: dict[Key, Parameter]
    groups: dict[Key, ParameterGroup] = Field(default_factory=dict)


class RulesFile(_Model):
    rules: list[Rule]
