import sys

from pokedex_local.faultlab.cli import main

sys.exit(main())
