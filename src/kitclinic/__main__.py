import sys

from kitclinic.cli import main

sys.exit(main())
