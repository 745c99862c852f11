"""The on-disk cache of the checked knowledge base: keyed by content, never stale, never in the way."""
import shutil

import pytest
from _support import MINI_KB, mini_scenario

from ppexpert import assess
from ppexpert.reasoning import prepared as assessment_module


@pytest.fixture
def kb_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("PPEXPERT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PPEXPERT_CACHE", raising=False)
    shutil.copytree(MINI_KB, tmp_path / "kb")
    return tmp_path / "kb"


def _load(root):
    return assessment_module._from_disk_cache(root)


def test_a_second_load_reads_the_pickle_instead_of_the_yaml(kb_copy, tmp_path, monkeypatch):
    first = _load(kb_copy)
    assert len(list((tmp_path / "cache").glob("knowledge-*.pickle"))) == 1
    monkeypatch.setattr(assessment_module, "_load_knowledge", lambda root: pytest.fail("the cache was not used"))
    second = _load(kb_copy)
    assert second.version == first.version and [r.id for r in second.rules] == [r.id for r in first.rules]
    assert assess(mini_scenario(ceded=60), second).get("risk.land").level == "critical"


def test_a_changed_knowledge_file_is_loaded_afresh(kb_copy):
    before = _load(kb_copy)
    rules = kb_copy / "rules" / "land.yaml"
    rules.write_text(rules.read_text().replace("at_least: 50", "at_least: 40"))
    after = _load(kb_copy)
    assert after.version != before.version
    assert assess(mini_scenario(ceded=45), after).get("risk.land").level == "critical"


def test_a_corrupt_cache_file_falls_back_to_loading_the_yaml(kb_copy, tmp_path):
    _load(kb_copy)
    (cached,) = (tmp_path / "cache").glob("knowledge-*.pickle")
    cached.write_bytes(b"not a pickle")
    assert assess(mini_scenario(ceded=20), _load(kb_copy)).get("risk.land").level == "high"


def test_the_cache_can_be_switched_off(kb_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("PPEXPERT_CACHE", "off")
    _load(kb_copy)
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_folder_is_no_reason_to_fail(kb_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("PPEXPERT_CACHE_DIR", str(blocker / "cache"))
    assert _load(kb_copy).rules


def test_the_default_folder_is_the_platforms_user_cache(monkeypatch, tmp_path):
    import platformdirs
    monkeypatch.delenv("PPEXPERT_CACHE_DIR", raising=False)
    monkeypatch.delenv("PPEXPERT_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert assessment_module._cache_dir() == tmp_path / "xdg" / "ppexpert" == \
        __import__("pathlib").Path(platformdirs.user_cache_dir("ppexpert", appauthor=False))


def test_stale_pickles_are_pruned_keeping_the_most_recently_used(kb_copy, tmp_path):
    import os
    cache = tmp_path / "cache"
    cache.mkdir()
    for n in range(12):  # pickles of knowledge bases and code versions gone by, the oldest first
        old = cache / f"knowledge-old{n:02d}.pickle"
        old.write_bytes(b"stale")
        os.utime(old, (1_000_000 + n, 1_000_000 + n))
    leftover = cache / "knowledge-old.123.tmp"
    leftover.write_bytes(b"interrupted")
    os.utime(leftover, (1_000_000, 1_000_000))
    _load(kb_copy)
    kept = sorted(p.name for p in cache.glob("knowledge-*"))
    assert len(kept) == assessment_module.KEEP_CACHED
    new = [k for k in kept if not k.startswith("knowledge-old")]
    assert len(new) == 1, "the new pickle was pruned"
    assert sorted(set(kept) - set(new)) == [f"knowledge-old{n:02d}.pickle" for n in range(5, 12)]
