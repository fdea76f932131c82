"""`python -m iae_modulation …` : la même commande que `iae-modulation …`, sans passer par le
lanceur `iae-modulation.exe` que pip écrit sous Windows (non signé, propre à chaque poste, donc
bloqué par AppLocker, App Control ou la règle de prévalence de Defender là où `python.exe`,
signé par la Python Software Foundation, est autorisé ; docs/deploiement.md)."""

import sys

from iae_modulation.cli import main

sys.exit(main())
