"""Accès au classeur IAE_modulation.xlsm : une petite interface, deux façons de l'ouvrir.

- `ClasseurXlwings` : le classeur ouvert dans Excel qui a appelé la macro du ruban ;
- `ClasseurFichier` : le fichier .xlsm sur disque (openpyxl, `keep_vba=True`), pour exécuter les
  mêmes actions sans Excel (`iae-modulation classeur executer`). openpyxl perd la relation du
  ruban en enregistrant : elle est réinjectée (`paquet.reinjecter_ruban`).

Les noms des feuilles, des cellules nommées et du tableau sont le contrat avec la construction du
gabarit (`xl/feuilles.yaml`, `construction.py`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from iae_modulation.erreurs import cause_systeme
from iae_modulation.excel import paquet
from iae_modulation.limites import verifier_archive_zip
from iae_modulation.sorties import DEBUTS_DE_FORMULE, ErreurEntree, verifier_fichier_entree
from iae_modulation.texte_xml import texte_xml

ACCUEIL = "Accueil"
PARAMETRES = "Paramètres"
DONNEES = "Données SIAE"
VERIFICATION = "Vérification"
RESULTATS = "Résultats"
SYNTHESE = "Synthèse"
JOURNAL = "Journal"
LISTES = "Listes"
CONFIGURATION = "xlwings.conf"
FEUILLES = (
    ACCUEIL,
    PARAMETRES,
    DONNEES,
    VERIFICATION,
    RESULTATS,
    SYNTHESE,
    JOURNAL,
    LISTES,
    CONFIGURATION,
)
TABLE_DONNEES = "DonneesSIAE"
NOMS_PARAMETRES = (
    "annee",
    "region",
    "methode",
    "enveloppe",
    "dossier_sortie",
    "departements",
    "export_annexe5",
    "mesure_annexe5",
    "pdf",
    "service",
    "lieu",
    "signataire",
    "qualite",
    "dernier_calcul",
)
COLONNES_JOURNAL = ("Date", "Action", "Entrées", "Sorties", "Résultat")
COLONNES_VERIFICATION = ("Ligne", "Colonne", "Valeur", "Problème", "Gravité")
LIGNE_ENTETE_VERIFICATION = 3
COLONNES_SYNTHESE = ("Type", "Structures", "Montant socle", "Montant modulé", "Taux moyen")
LIGNE_ENTETE_SYNTHESE = 3
FORMAT_EUROS = '#,##0.00\\ "€"'
FORMAT_POURCENT = "0.00%"
FORMAT_FRACTION = "0.0000"
COULEUR_SURLIGNAGE = "FFC7CE"  # rouge clair, celui des mises en forme conditionnelles d'Excel


class Classeur(Protocol):
    """Ce dont les actions du ruban ont besoin ; lignes et colonnes numérotées à partir de 1."""

    chemin: Path

    def lire_parametre(self, nom: str) -> object: ...

    def ecrire_parametre(self, nom: str, valeur: object) -> None: ...

    def lire_feuille(self, feuille: str) -> list[list[object]]:
        """Les valeurs de la feuille depuis A1 jusqu'à la dernière cellule utilisée."""
        ...

    def ecrire_lignes(
        self,
        feuille: str,
        premiere_ligne: int,
        lignes: Sequence[Sequence[object]],
        formats: Sequence[str | None] = (),
    ) -> None:
        """Efface la feuille à partir de `premiere_ligne`, puis y écrit `lignes`."""
        ...

    def ajouter_ligne(self, feuille: str, valeurs: Sequence[object]) -> None: ...

    def surligner(self, feuille: str, cellules: Iterable[tuple[int, int]]) -> None: ...

    def effacer_surlignage(self, feuille: str, premiere_ligne: int) -> None: ...

    def choisir_fichier(self, titre: str) -> Path | None: ...

    def ouvrir_dossier(self, dossier: Path) -> None: ...

    def informer(self, message: str) -> None: ...

    def enregistrer(self) -> None: ...


def valeur_excel(valeur: object) -> object:
    """Une valeur Python telle qu'une cellule peut la recevoir.

    Excel ne stocke que des nombres à virgule flottante : un Decimal (montant déjà arrondi au
    centime, taux déjà arrondi) ou une Fraction n'est converti qu'ici, au moment de l'écrire.
    """
    if valeur is None:
        return None
    if isinstance(valeur, Decimal | Fraction):
        return float(valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, str):
        return texte_xml(valeur)
    return valeur


def est_texte_formule(valeur: object) -> bool:
    """Un texte qu'Excel prendrait pour une formule (=, +, -, @) : il est écrit comme texte."""
    return isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE)


# --- le fichier sur disque ---------------------------------------------------------------------


class ClasseurFichier:
    """Le classeur .xlsm sur disque, modifié puis réenregistré avec son VBA et son ruban."""

    def __init__(self, chemin: Path) -> None:
        import openpyxl

        self.chemin = verifier_fichier_entree(Path(chemin)).resolve()
        if self.chemin.suffix.lower() != ".xlsm":
            raise ErreurEntree(
                f"{self.chemin.name} : il faut un classeur avec macros (.xlsm), "
                "comme templates/IAE_modulation.xlsm."
            )
        verifier_archive_zip(self.chemin, "classeur Excel (.xlsm)")
        verifier_ecriture(self.chemin)
        self._original = self.chemin.read_bytes()
        self._calculees = None  # valeurs des formules enregistrées par Excel, lues au besoin
        try:
            self._classeur = openpyxl.load_workbook(self.chemin, keep_vba=True)
        except Exception as erreur:  # openpyxl signale un fichier abîmé par des erreurs variées
            raise ErreurEntree(f"{self.chemin.name} : classeur illisible ({erreur}).") from None
        manquantes = [f for f in (PARAMETRES, DONNEES, JOURNAL) if f not in self._classeur]
        if manquantes:
            raise ErreurEntree(
                f"{self.chemin.name} n'est pas un classeur IAE Modulation : feuille(s) "
                f"{', '.join(f'« {f} »' for f in manquantes)} absente(s)."
            )

    def _feuille(self, nom: str):
        if nom not in self._classeur:
            raise ErreurEntree(f"{self.chemin.name} : feuille « {nom} » absente.")
        return self._classeur[nom]

    def _cellule_nommee(self, nom: str):
        definition = self._classeur.defined_names.get(nom)
        if definition is None:
            raise ErreurEntree(
                f"{self.chemin.name} : la cellule nommée « {nom} » de la feuille "
                f"« {PARAMETRES} » a disparu."
            )
        feuille, adresse = next(iter(definition.destinations))
        return self._feuille(feuille)[adresse.replace("$", "")]

    def _valeur(self, cellule) -> object:
        """La valeur de la cellule ; pour une formule, celle qu'Excel a calculée et enregistrée
        (jamais le texte « =215528.21*1 »)."""
        if cellule.data_type != "f":
            return cellule.value
        if self._calculees is None:
            import openpyxl

            self._calculees = openpyxl.load_workbook(io.BytesIO(self._original), data_only=True)
        feuille = cellule.parent.title
        valeur = self._calculees[feuille][cellule.coordinate].value
        if valeur is None:
            raise ErreurEntree(
                f"{self.chemin.name}, feuille « {feuille} », cellule {cellule.coordinate} : la "
                f"formule {cellule.value} n'a pas de valeur calculée enregistrée ; ouvrez et "
                "enregistrez le classeur dans Excel, ou remplacez la formule par sa valeur."
            )
        return valeur

    def lire_parametre(self, nom: str) -> object:
        return self._valeur(self._cellule_nommee(nom))

    def ecrire_parametre(self, nom: str, valeur: object) -> None:
        _ecrire_cellule(self._cellule_nommee(nom), valeur)

    def lire_feuille(self, feuille: str) -> list[list[object]]:
        return [[self._valeur(c) for c in ligne] for ligne in self._feuille(feuille).iter_rows()]

    def ecrire_lignes(self, feuille, premiere_ligne, lignes, formats=()) -> None:
        ws = self._feuille(feuille)
        if ws.max_row >= premiere_ligne:
            ws.delete_rows(premiere_ligne, ws.max_row - premiere_ligne + 1)
        for decalage, ligne in enumerate(lignes):
            for colonne, valeur in enumerate(ligne, start=1):
                cellule = ws.cell(row=premiere_ligne + decalage, column=colonne)
                _ecrire_cellule(cellule, valeur)
                if colonne <= len(formats) and formats[colonne - 1]:
                    cellule.number_format = formats[colonne - 1]

    def ajouter_ligne(self, feuille: str, valeurs: Sequence[object]) -> None:
        ws = self._feuille(feuille)
        ligne = ws.max_row + 1
        while ligne > 1 and all(c.value is None for c in ws[ligne - 1]):
            ligne -= 1
        for colonne, valeur in enumerate(valeurs, start=1):
            _ecrire_cellule(ws.cell(row=ligne, column=colonne), valeur)

    def surligner(self, feuille: str, cellules: Iterable[tuple[int, int]]) -> None:
        from openpyxl.styles import PatternFill

        remplissage = PatternFill("solid", start_color=COULEUR_SURLIGNAGE)
        ws = self._feuille(feuille)
        for ligne, colonne in cellules:
            ws.cell(row=ligne, column=colonne).fill = remplissage

    def effacer_surlignage(self, feuille: str, premiere_ligne: int) -> None:
        from openpyxl.styles import PatternFill

        for ligne in self._feuille(feuille).iter_rows(min_row=premiere_ligne):
            for cellule in ligne:
                if cellule.fill.fgColor.rgb in (COULEUR_SURLIGNAGE, "FF" + COULEUR_SURLIGNAGE):
                    cellule.fill = PatternFill()

    def choisir_fichier(self, titre: str) -> Path | None:
        return None  # sans Excel, le fichier se donne dans la feuille « Paramètres »

    def ouvrir_dossier(self, dossier: Path) -> None:
        dossier.mkdir(parents=True, exist_ok=True)

    def informer(self, message: str) -> None:
        """Sans Excel, la commande affiche le résultat de l'action : rien à faire ici."""

    def enregistrer(self) -> None:
        """Enregistre sous un nom temporaire, réinjecte le ruban, puis remplace le fichier."""
        descripteur, temporaire = tempfile.mkstemp(
            prefix=f".{self.chemin.stem}-", suffix=".xlsm", dir=self.chemin.parent
        )
        os.close(descripteur)
        temporaire = Path(temporaire)
        try:
            os.chmod(temporaire, stat.S_IMODE(self.chemin.stat().st_mode))  # droits gardés
            self._classeur.save(temporaire)
            temporaire.write_bytes(paquet.reinjecter_ruban(temporaire.read_bytes(), self._original))
            os.replace(temporaire, self.chemin)
        finally:
            temporaire.unlink(missing_ok=True)
        self._original = self.chemin.read_bytes()


def verifier_ecriture(chemin: Path) -> None:
    """Refuse, avant tout travail, un classeur qui ne pourra pas être enregistré : fichier en
    lecture seule, ou dossier où l'on ne peut pas écrire (support protégé, droits)."""
    if not stat.S_IMODE(chemin.stat().st_mode) & 0o222 or not os.access(chemin, os.W_OK):
        raise ErreurEntree(
            f"{chemin.name} est en lecture seule : rien n'a été fait. Retirez l'attribut « lecture "
            "seule » du fichier, ou travaillez sur une copie modifiable."
        )
    try:
        descripteur, essai = tempfile.mkstemp(prefix=f".{chemin.stem}-", dir=chemin.parent)
        os.close(descripteur)
        os.unlink(essai)
    except OSError as erreur:
        raise ErreurEntree(
            f"{chemin.name} ne pourra pas être enregistré : le dossier {chemin.parent} refuse "
            f"l'écriture ({cause_systeme(erreur)}) ; rien n'a été fait."
        ) from None


def _ecrire_cellule(cellule, valeur: object) -> None:
    cellule.value = valeur_excel(valeur)
    if est_texte_formule(valeur):
        cellule.data_type = "s"


# --- le classeur ouvert dans Excel ---------------------------------------------------------------


class ClasseurXlwings:
    """Le classeur qui a appelé la macro, piloté par xlwings (Windows ou macOS)."""

    def __init__(self, livre) -> None:
        self.livre = livre
        self.chemin = Path(livre.fullname)

    def lire_parametre(self, nom: str) -> object:
        return self.livre.names[nom].refers_to_range.value

    def ecrire_parametre(self, nom: str, valeur: object) -> None:
        self.livre.names[nom].refers_to_range.value = _valeur_xlwings(valeur)

    def _derniere_cellule(self, feuille: str) -> tuple[int, int]:
        utilisee = self.livre.sheets[feuille].used_range
        return utilisee.last_cell.row, utilisee.last_cell.column

    def lire_feuille(self, feuille: str) -> list[list[object]]:
        lignes, colonnes = self._derniere_cellule(feuille)
        plage = self.livre.sheets[feuille].range((1, 1), (lignes, colonnes))
        return plage.options(ndim=2).value

    def ecrire_lignes(self, feuille, premiere_ligne, lignes, formats=()) -> None:
        ws = self.livre.sheets[feuille]
        derniere, colonnes = self._derniere_cellule(feuille)
        if derniere >= premiere_ligne:
            ws.range((premiere_ligne, 1), (derniere, colonnes)).clear()
        if not lignes:
            return
        ws.range((premiere_ligne, 1)).value = [
            [_valeur_xlwings(v) for v in ligne] for ligne in lignes
        ]
        for colonne, format_nombre in enumerate(formats, start=1):
            if format_nombre:
                fin = premiere_ligne + len(lignes) - 1
                ws.range((premiere_ligne, colonne), (fin, colonne)).number_format = format_nombre

    def ajouter_ligne(self, feuille: str, valeurs: Sequence[object]) -> None:
        ws = self.livre.sheets[feuille]
        ligne = ws.range("A1").end("down").row + 1 if ws.range("A2").value is not None else 2
        ws.range((ligne, 1)).value = [_valeur_xlwings(v) for v in valeurs]

    def surligner(self, feuille: str, cellules: Iterable[tuple[int, int]]) -> None:
        ws = self.livre.sheets[feuille]
        for ligne, colonne in cellules:
            ws.range((ligne, colonne)).color = "#" + COULEUR_SURLIGNAGE

    def effacer_surlignage(self, feuille: str, premiere_ligne: int) -> None:
        derniere, colonnes = self._derniere_cellule(feuille)
        if derniere >= premiere_ligne:
            plage = self.livre.sheets[feuille].range((premiere_ligne, 1), (derniere, colonnes))
            plage.color = None

    def choisir_fichier(self, titre: str) -> Path | None:
        if sys.platform != "win32":
            return None  # macOS : le chemin se saisit dans la feuille « Paramètres »
        choix = self.livre.app.api.GetOpenFilename(
            "Exports extranet (*.xlsx;*.xls;*.csv),*.xlsx;*.xls;*.csv", 1, titre
        )
        return Path(choix) if isinstance(choix, str) else None

    def ouvrir_dossier(self, dossier: Path) -> None:
        dossier.mkdir(parents=True, exist_ok=True)
        if sys.platform == "win32":
            os.startfile(dossier)
        else:
            subprocess.run(["open", str(dossier)], check=False)

    def informer(self, message: str) -> None:
        self.livre.app.alert(message, title="IAE Modulation")

    def enregistrer(self) -> None:
        self.livre.save()


def _valeur_xlwings(valeur: object) -> object:
    valeur = valeur_excel(valeur)
    if est_texte_formule(valeur):
        return "'" + valeur  # l'apostrophe initiale fait d'une saisie un texte, sans s'afficher
    return valeur


def classeur_appelant() -> Classeur:
    """Le classeur qui a appelé la macro du ruban (RunPython)."""
    import xlwings as xw

    return ClasseurXlwings(xw.Book.caller())


def horodatage() -> str:
    """« 2026-03-14 09:30:05 » : la date des lignes du journal."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
