"""Installation du classeur sur le poste d'un agent : copie, interpréteur Python, DLL xlwings.

Le module VBA autonome d'xlwings charge `xlwings64-<version>.dll` (ou `xlwings32-…`) depuis le
dossier de l'interpréteur indiqué dans la feuille `xlwings.conf`, ou depuis son dossier parent
(environnement virtuel) : `pip install xlwings==0.37.8` l'y dépose sous Windows.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation.excel import classeur as contrat
from iae_modulation.excel.construction import GABARIT, VERSION_XLWINGS
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.sorties import ErreurSortie

NOMS_DLL = (f"xlwings64-{VERSION_XLWINGS}.dll", f"xlwings32-{VERSION_XLWINGS}.dll")


@dataclass
class RapportInstallation:
    classeur: Path
    interpreteur: Path
    cle: str
    dll: Path | None
    alertes: list[str] = field(default_factory=list)

    @property
    def code_sortie(self) -> int:
        return 0 if self.dll is not None or self.cle == "Interpreter_Mac" else 1

    def resume(self) -> str:
        lignes = [
            f"Classeur installé : {self.classeur}",
            f"Python utilisé par le classeur ({self.cle}) : {self.interpreteur}",
        ]
        if self.dll is not None:
            lignes.append(f"DLL xlwings trouvée : {self.dll}")
        lignes += self.alertes
        if self.code_sortie == 0:
            lignes.append(
                "Ouvrez le classeur, cliquez sur « Activer le contenu », puis utilisez "
                "l'onglet « IAE Modulation »."
            )
        return "\n".join(lignes)


def trouver_dll(interpreteur: Path) -> Path | None:
    """La DLL d'xlwings là où le VBA la cherche : dossier de l'interpréteur, puis son parent."""
    for dossier in (interpreteur.parent, interpreteur.parent.parent):
        for nom in NOMS_DLL:
            if (dossier / nom).is_file():
                return dossier / nom
    return None


def ecrire_configuration(classeur: ClasseurFichier, cle: str, valeur: str) -> None:
    """Écrit (ou remplace) une clé de la feuille `xlwings.conf` : clés en colonne A à partir de
    A1, sans ligne vide (le VBA d'xlwings s'arrête à la première)."""
    lignes = [ligne[:2] for ligne in classeur.lire_feuille(contrat.CONFIGURATION) if ligne[0]]
    lignes = [ligne for ligne in lignes if str(ligne[0]).strip().upper() != cle.upper()]
    classeur.ecrire_lignes(contrat.CONFIGURATION, 1, [*lignes, [cle, valeur]])


def installer(
    dossier: Path,
    interpreteur: Path | None = None,
    gabarit: Path = GABARIT,
    ecraser: bool = False,
) -> RapportInstallation:
    """Copie le gabarit dans `dossier` et y indique l'interpréteur Python à utiliser."""
    interpreteur = Path(interpreteur or sys.executable).absolute()
    dossier = Path(dossier).expanduser().resolve()
    cible = dossier / gabarit.name
    if cible.exists() and not ecraser:
        raise ErreurSortie(
            f"{cible} existe déjà : il contient peut-être le travail d'une campagne. Choisissez "
            "un autre dossier ou ajoutez --ecraser."
        )
    if not gabarit.is_file():
        raise ErreurSortie(
            f"Gabarit introuvable : {gabarit} (lancez « iae-modulation classeur construire »)."
        )
    dossier.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(gabarit, cible)
    cle = "Interpreter_Mac" if sys.platform == "darwin" else "Interpreter_Win"
    classeur = ClasseurFichier(cible)
    ecrire_configuration(classeur, cle, str(interpreteur))
    classeur.enregistrer()
    rapport = RapportInstallation(cible, interpreteur, cle, trouver_dll(interpreteur))
    if rapport.dll is None and cle == "Interpreter_Win":
        rapport.alertes.append(
            f"ATTENTION : {NOMS_DLL[0]} est introuvable dans {interpreteur.parent} et dans "
            f"{interpreteur.parent.parent}. Sous Windows, installez xlwings dans ce même Python : "
            f"« {interpreteur} -m pip install xlwings=={VERSION_XLWINGS} », puis relancez "
            "l'installation. Sans cette DLL, les boutons du ruban affichent une erreur."
        )
    return rapport
