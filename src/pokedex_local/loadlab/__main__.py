import sys

from pokedex_local.loadlab.cli import main

sys.exit(main())
