import sys

from samples.fintech_web.app import main

sys.exit(main())
