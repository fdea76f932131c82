"""Le diagnostic de l'installation, côté Python.

Appelé par le bouton « Diagnostic » du ruban (après ses vérifications en VBA seul : `versions`),
par installer.cmd et par `iae-modulation classeur diagnostic [CLASSEUR]` : ce Python a-t-il
xlwings dans la version du classeur, sa DLL là où le classeur la cherche, des fonctions de feuille
qui calculent ; le classeur est-il rattaché à un Python de ce poste par un chemin transmissible ?
"""

from __future__ import annotations

import ntpath
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from iae_modulation.excel import classeur as contrat
from iae_modulation.excel.installation import chemin_transmissible, commande_outil, trouver_dll
from iae_modulation.excel.projet_vba import VERSION_XLWINGS

PYTHON_MINIMAL = (3, 11)
CONSEIL_INSTALLER = "Relancez installer.cmd du paquet d'installation."
PAQUETS = ("iae-modulation", "xlwings", "pywin32", "pandas", "numpy")


def _version(paquet: str) -> str:
    try:
        return metadata.version(paquet)
    except metadata.PackageNotFoundError:
        return "absent"


def versions() -> str:
    """« Python 3.12.4 64 bits (chemin) ; iae-modulation 0.1.0 ; xlwings 0.37.8 ; … »."""
    python = (
        f"Python {platform.python_version()} {platform.architecture()[0].replace('bit', ' bits')}"
    )
    return " ; ".join([f"{python} ({sys.executable})", *(f"{p} {_version(p)}" for p in PAQUETS)])


@dataclass(frozen=True)
class Constat:
    texte: str
    probleme: str = ""  # vide : tout va bien
    conseil: str = ""

    def ligne(self) -> str:
        if not self.probleme:
            return f"OK        {self.texte}"
        return f"PROBLÈME  {self.texte} : {self.probleme}" + (
            f" {self.conseil}" if self.conseil else ""
        )


def _python(interpreteur: Path) -> list[Constat]:
    constats = [Constat(versions())]
    if sys.version_info[:2] < PYTHON_MINIMAL:
        constats.append(
            Constat(
                "version de Python",
                f"{platform.python_version()} : 3.11 ou plus récent est nécessaire.",
                CONSEIL_INSTALLER,
            )
        )
    if _version("xlwings") != VERSION_XLWINGS:
        constats.append(
            Constat(
                "xlwings",
                f"version {_version('xlwings')} ; le classeur exige exactement {VERSION_XLWINGS}.",
                CONSEIL_INSTALLER,
            )
        )
    if sys.platform == "win32":
        dll = trouver_dll(interpreteur)
        constats.append(
            Constat(f"DLL xlwings : {dll}")
            if dll
            else Constat(
                "DLL xlwings",
                f"absente de {interpreteur.parent} et de {interpreteur.parent.parent}.",
                CONSEIL_INSTALLER,
            )
        )
    return constats


def _fonctions_de_feuille() -> Constat:
    """Deux fonctions de feuille appelées comme Excel les appelle (nombres en doubles)."""
    try:
        from iae_modulation.excel import udfs

        essais = (udfs.IAE_PUBLICS(10.0, 20.0), udfs.MONTANT_MODULE(1000.0, 0.0734))
    except Exception as erreur:  # le diagnostic rapporte, il ne s'arrête pas
        return Constat(
            "fonctions de feuille", f"{type(erreur).__name__} : {erreur}", CONSEIL_INSTALLER
        )
    if essais != (0.5, 73.4):
        return Constat("fonctions de feuille", f"résultats inattendus {essais}.", CONSEIL_INSTALLER)
    return Constat(
        "fonctions de feuille : IAE_PUBLICS(10 ; 20) = 0,5, MONTANT_MODULE(1000 ; 7,34 %) = 73,40"
    )


def _classeur(chemin: Path, interpreteur: Path) -> list[Constat]:
    from iae_modulation.excel import paquet
    from iae_modulation.excel.fichier import ClasseurFichier

    conseil = f'Lancez : {commande_outil()} classeur rattacher "{chemin}"'
    classeur = ClasseurFichier(chemin)
    constats = [Constat(f"classeur {classeur.chemin}")]
    manques = paquet.problemes(classeur.chemin.read_bytes())
    if manques:
        constats.append(
            Constat("macros et ruban", " ; ".join(manques) + ".", "Repartez du classeur livré.")
        )
    reglages = {
        str(ligne[0]).strip().upper(): str(ligne[1] or "").strip()
        for ligne in classeur.lire_feuille(contrat.CONFIGURATION)
        if ligne and ligne[0] and len(ligne) > 1
    }
    cle = "INTERPRETER_WIN" if sys.platform != "darwin" else "INTERPRETER_MAC"
    valeur = reglages.get(cle, "")
    attendu = chemin_transmissible(str(interpreteur))
    if not valeur:
        constats.append(
            Constat("Python du classeur", "non indiqué dans la feuille « xlwings.conf ».", conseil)
        )
    elif ntpath.normcase(ntpath.expandvars(valeur)) != ntpath.normcase(ntpath.expandvars(attendu)):
        constats.append(
            Constat("Python du classeur", f"« {valeur} », pas ce Python-ci ({attendu}).", conseil)
        )
    elif valeur != attendu:
        constats.append(
            Constat(
                "Python du classeur",
                f"« {valeur} » est un chemin personnel, non transmissible.",
                conseil,
            )
        )
    else:
        constats.append(Constat(f"Python du classeur : {valeur}"))
    if reglages.get("UDF MODULES") != contrat.MODULE_UDFS:
        constats.append(
            Constat(
                "fonctions de feuille du classeur",
                f"« UDF Modules » vaut « {reglages.get('UDF MODULES', '')} ».",
                conseil,
            )
        )
    if reglages.get("USE UDF SERVER", "").lower() != "true":
        constats.append(
            Constat(
                "réactivité",
                "« Use UDF Server » n'est pas activé : chaque clic démarre un nouveau Python.",
                conseil,
            )
        )
    return constats


def diagnostiquer(classeur: Path | None = None, interpreteur: Path | None = None) -> list[Constat]:
    """Tous les constats, dans l'ordre où un agent les lit."""
    interpreteur = Path(interpreteur or sys.executable).absolute()
    constats = [*_python(interpreteur), _fonctions_de_feuille()]
    if classeur is not None:
        constats += _classeur(Path(classeur), interpreteur)
    return constats
