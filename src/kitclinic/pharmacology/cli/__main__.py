"""``python -m kitclinic.pharmacology.cli``: the same as ``kitclinic pk``."""

import sys

from .main import main

sys.exit(main())
