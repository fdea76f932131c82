"""Où sont les sources hors paquet : `templates/` (modèles Word, classeur) et `xl/` (VBA, ruban).

Le paquet s'installe en mode éditable (`pip install -e .`) depuis le dépôt : ces dossiers restent
à la racine du dépôt, où un agent ou un mainteneur les modifie.
"""

from pathlib import Path

RACINE_DEPOT = Path(__file__).resolve().parents[2]
DOSSIER_TEMPLATES = RACINE_DEPOT / "templates"
DOSSIER_XL = RACINE_DEPOT / "xl"
GABARIT_CLASSEUR = DOSSIER_TEMPLATES / "IAE_modulation.xlsm"
