"""Le classeur sur le poste d'un agent : copie du gabarit et rattachement à l'installation.

Le module VBA d'xlwings lit l'interpréteur dans la feuille `xlwings.conf` et y développe les
variables d'environnement (`GetConfig` -> `ExpandEnvironmentStrings` : `%LOCALAPPDATA%` sous
Windows, `$HOME` en tête de chemin sous macOS). Le classeur reçoit donc un chemin valable pour
chaque agent du service (`%LOCALAPPDATA%\\iae-modulation\\venv\\Scripts\\python.exe` pour
l'installation standard), jamais le chemin personnel de celui qui l'a préparé. La DLL
`xlwings64-<version>.dll` est chargée depuis le dossier de l'interpréteur ou son parent (racine
d'un environnement virtuel, où pip la dépose).

Le classeur d'un agent va dans son dossier Documents tel que Windows le connaît
(`SHGetKnownFolderPath(FOLDERID_Documents)`) : redirigé vers un serveur ou vers OneDrive, c'est
celui que l'Explorateur lui montre, pas `%USERPROFILE%\\Documents`.
"""

from __future__ import annotations

import ntpath
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation.chemins import GABARIT_CLASSEUR
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import paquet
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.excel.projet_vba import VERSION_XLWINGS
from iae_modulation.sorties import ErreurEntree, ErreurSortie

NOMS_DLL = (f"xlwings64-{VERSION_XLWINGS}.dll", f"xlwings32-{VERSION_XLWINGS}.dll")
# Variables d'un dossier propre à chaque agent, de la plus précise à la plus large.
VARIABLES_WINDOWS = ("LOCALAPPDATA", "APPDATA", "USERPROFILE")
INSTALLATION_STANDARD = r"%LOCALAPPDATA%\iae-modulation"
DOSSIER_CLASSEURS = "IAE Modulation"
FOLDERID_DOCUMENTS = "FDD39AD0-238F-46AF-ADB4-6C85480369C7"  # KnownFolders.h, « Documents »


def commande_outil() -> str:
    """La commande de l'outil avec ce Python : `"…\\python.exe" -m iae_modulation` (pas le
    lanceur iae-modulation.exe, non signé, que les règles AppLocker ou Defender bloquent)."""
    return f'"{sys.executable}" -m iae_modulation'


def _documents_windows() -> Path | None:
    """SHGetKnownFolderPath(FOLDERID_Documents) : le dossier Documents de l'agent, redirection
    (stratégie de groupe, OneDrive) comprise ; None si Windows ne le donne pas."""
    import ctypes
    import uuid

    chemin = ctypes.c_wchar_p()
    identifiant = ctypes.create_string_buffer(uuid.UUID(FOLDERID_DOCUMENTS).bytes_le, 16)
    resultat = ctypes.windll.shell32.SHGetKnownFolderPath(  # type: ignore[attr-defined]  # Windows
        identifiant, 0, None, ctypes.byref(chemin)
    )
    try:
        return Path(chemin.value) if resultat == 0 and chemin.value else None
    finally:
        ctypes.windll.ole32.CoTaskMemFree(chemin)  # type: ignore[attr-defined]


def dossier_documents() -> Path:
    """Le dossier Documents de l'agent (ailleurs que sous Windows : ~/Documents)."""
    connu = _documents_windows() if sys.platform == "win32" else None
    return connu or Path.home() / "Documents"


def dossier_classeurs() -> Path:
    """Là où installer.cmd met le classeur : Documents\\IAE Modulation."""
    return dossier_documents() / DOSSIER_CLASSEURS


@dataclass
class RapportInstallation:
    classeur: Path
    interpreteur: Path
    cle: str
    valeur: str  # ce qui est écrit dans xlwings.conf
    dll: Path | None
    alertes: list[str] = field(default_factory=list)

    @property
    def code_sortie(self) -> int:
        return 0 if self.dll is not None or self.cle == "Interpreter_Mac" else 1

    def resume(self) -> str:
        lignes = [
            f"Classeur : {self.classeur}",
            f"Python utilisé par le classeur ({self.cle}) : {self.valeur}",
        ]
        if self.valeur != str(self.interpreteur):
            lignes.append(f"  soit, pour vous : {self.interpreteur}")
        if self.dll is not None:
            lignes.append(f"DLL xlwings trouvée : {self.dll}")
        lignes += self.alertes
        if self.code_sortie == 0:
            lignes.append(
                "Ouvrez le classeur, cliquez sur « Activer le contenu », puis utilisez "
                "l'onglet « IAE Modulation » (bouton « Diagnostic » en cas de doute)."
            )
        return "\n".join(lignes)


def chemin_transmissible(
    interpreteur: str, windows: bool = sys.platform == "win32", environnement: Mapping | None = None
) -> str:
    """Le chemin de l'interpréteur tel que le classeur le gardera : un dossier propre à l'agent
    (profil, AppData) est remplacé par sa variable, que xlwings développe chez chacun."""
    environnement = os.environ if environnement is None else environnement
    if not windows:
        maison = environnement.get("HOME", "")
        if maison and interpreteur.startswith(maison.rstrip("/") + "/"):
            return "$HOME" + interpreteur[len(maison.rstrip("/")) :]
        return interpreteur
    for variable in VARIABLES_WINDOWS:
        dossier = environnement.get(variable, "").rstrip("\\")
        if dossier and ntpath.normcase(interpreteur).startswith(ntpath.normcase(dossier) + "\\"):
            return f"%{variable}%" + interpreteur[len(dossier) :]
    return interpreteur


def trouver_dll(interpreteur: Path) -> Path | None:
    """La DLL d'xlwings là où le VBA la cherche : dossier de l'interpréteur, puis son parent."""
    for dossier in (interpreteur.parent, interpreteur.parent.parent):
        for nom in NOMS_DLL:
            if (dossier / nom).is_file():
                return dossier / nom
    return None


def ecrire_configuration(classeur: ClasseurFichier, reglages: Mapping[str, str]) -> None:
    """Écrit (ou remplace) des clés de la feuille `xlwings.conf` : clés en colonne A à partir de
    A1, sans ligne vide (le VBA d'xlwings s'arrête à la première)."""
    cles = {cle.upper() for cle in reglages}
    lignes = [
        [str(ligne[0]).strip(), ligne[1] if len(ligne) > 1 else None]
        for ligne in classeur.lire_feuille(contrat.CONFIGURATION)
        if ligne and ligne[0] and str(ligne[0]).strip().upper() not in cles
    ]
    classeur.ecrire_lignes(contrat.CONFIGURATION, 1, [*lignes, *map(list, reglages.items())])


def rattacher(chemin: Path, interpreteur: Path | None = None) -> RapportInstallation:
    """Rattache un classeur de campagne (neuf ou déjà rempli) au Python de ce poste."""
    interpreteur = Path(interpreteur or sys.executable).absolute()
    classeur = ClasseurFichier(chemin)
    manques = paquet.problemes(classeur.chemin.read_bytes())
    if manques:
        raise ErreurEntree(
            f"{classeur.chemin.name} ne peut plus servir de classeur IAE Modulation : "
            f"{' ; '.join(manques)} (enregistré sans macros ?). Repartez du classeur livré."
        )
    windows = sys.platform != "darwin"
    cle = "Interpreter_Win" if windows else "Interpreter_Mac"
    valeur = chemin_transmissible(str(interpreteur), windows=sys.platform == "win32")
    ecrire_configuration(classeur, {**contrat.CONFIGURATION_GABARIT, cle: valeur})
    classeur.enregistrer()
    rapport = RapportInstallation(
        classeur.chemin, interpreteur, cle, valeur, trouver_dll(interpreteur)
    )
    if rapport.dll is None and windows:
        rapport.alertes.append(
            f"ATTENTION : {NOMS_DLL[0]} est introuvable dans {interpreteur.parent} et dans "
            f"{interpreteur.parent.parent}. Installez l'outil avec installer.cmd (environnement "
            f"virtuel dans {INSTALLATION_STANDARD}, où pip dépose la DLL) ; un Python partagé "
            "installé pour tous les utilisateurs, complété par « pip install --user », range la "
            "DLL dans %APPDATA%\\Python, où le classeur ne la cherche pas."
        )
    if windows and "\\users\\" in valeur.lower():
        rapport.alertes.append(
            "ATTENTION : ce chemin reste propre à votre compte ; un collègue devra rattacher le "
            "classeur à sa propre installation."
        )
    return rapport


def installer(
    dossier: Path | None = None,
    interpreteur: Path | None = None,
    gabarit: Path = GABARIT_CLASSEUR,
    ecraser: bool = False,
    garder: bool = False,
) -> RapportInstallation:
    """Copie le gabarit dans `dossier` (défaut : Documents\\IAE Modulation), puis le rattache au
    Python de ce poste ; `garder` : un classeur déjà là (une campagne) est rattaché, gardé."""
    dossier = Path(dossier or dossier_classeurs()).expanduser().resolve()
    cible = dossier / gabarit.name
    if cible.exists() and garder:
        return rattacher(cible, interpreteur)
    if cible.exists() and not ecraser:
        raise ErreurSortie(
            f"{cible} existe déjà : il contient peut-être le travail d'une campagne. Choisissez "
            "un autre dossier, ajoutez --ecraser, ou gardez-le et rattachez-le (--garder, ou "
            f'{commande_outil()} classeur rattacher "{cible}").'
        )
    if not gabarit.is_file():
        raise ErreurEntree(
            f"Gabarit introuvable : {gabarit} (lancez « iae-modulation classeur construire »)."
        )
    dossier.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(gabarit, cible)
    return rattacher(cible, interpreteur)
