from ppexpert.cli import main

raise SystemExit(main())
