import sys

from flexui.cli import main

sys.exit(main())
