"""Accès au classeur IAE_modulation.xlsm : une petite interface, deux façons de l'ouvrir.

- `ClasseurXlwings` : le classeur ouvert dans Excel qui a appelé la macro du ruban ;
- `fichier.ClasseurFichier` : le fichier .xlsm sur disque, pour exécuter les mêmes actions sans
  Excel (`iae-modulation classeur executer`).

Les noms des feuilles, des cellules nommées et du tableau sont le contrat avec la construction du
gabarit (`xl/feuilles.yaml`, `construction.py`).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from iae_modulation.excel.instantane import ecrire_instantane
from iae_modulation.excel.valeurs import valeur_excel
from iae_modulation.sorties import DEBUTS_DE_FORMULE

ACCUEIL = "Accueil"
PARAMETRES = "Paramètres"
DONNEES = "Données SIAE"
VERIFICATION = "Vérification"
RESULTATS = "Résultats"
SYNTHESE = "Synthèse"
SIMULATION = "Simulation"
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
    SIMULATION,
    JOURNAL,
    LISTES,
    CONFIGURATION,
)
TABLE_DONNEES = "DonneesSIAE"
NOMS_PARAMETRES = (
    "annee",
    "region",
    "methode",
    "methode_fichier",
    "poids_publics",
    "poids_effort",
    "poids_resultats",
    "groupes",
    "plafond_methode",
    "repartition",
    "taux_moyen",
    "enveloppe",
    "precedent",
    "dossier_sortie",
    "departements",
    "export_annexe5",
    "mesure_annexe5",
    "remplace_annexe5",
    "pdf",
    "autorite",
    "prefete",
    "ddets_pp",
    "service",
    "lieu",
    "signataire",
    "qualite",
    "affaire",
    "telephone",
    "courriel",
    "dernier_calcul",
    "dossier_parametres",
    "fluxiae_annexes",
    "bilan_asp",
    "fluxiae_structures",
)
COLONNES_JOURNAL = ("Date", "Action", "Entrées", "Sorties", "Résultat")
# Feuille « xlwings.conf » du gabarit (clés lues par le VBA d'xlwings). « Use UDF Server » : le
# ruban réutilise le Python des fonctions de feuille au lieu d'en démarrer un par clic ; écrit
# en texte (« True »), qu'Excel ne traduit pas en « VRAI ».
MODULE_UDFS = "iae_modulation.excel.udfs"
CONFIGURATION_GABARIT = {"UDF Modules": MODULE_UDFS, "Use UDF Server": "True"}
COLONNES_VERIFICATION = ("Ligne", "Colonne", "Valeur", "Problème", "Gravité")
LIGNE_ENTETE_VERIFICATION = 3
COLONNES_SYNTHESE = ("Type", "Structures", "Montant socle", "Montant modulé", "Taux moyen")
# Feuille « Simulation » : les scénarios à comparer (une ligne chacun, sous l'en-tête), puis, à
# partir de LIGNE_RESULTATS_SIMULATION, ce que « Comparer des méthodes » en a tiré.
COLONNES_SCENARIOS = (
    "Scénario",
    "Fichier de méthode",
    "Notation",
    "Poids publics (%)",
    "Poids effort (%)",
    "Poids résultats (%)",
    "Groupes",
    "Plafond (%)",
    "Répartition",
    "Taux moyen visé (%)",
)
LIGNE_ENTETE_SCENARIOS = 4
SCENARIOS_MAX = 8
LIGNE_RESULTATS_SIMULATION = LIGNE_ENTETE_SCENARIOS + SCENARIOS_MAX + 3
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

    def redimensionner_table(self, feuille: str, nom: str, lignes: int) -> None:
        """Le tableau Excel `nom` couvre son en-tête et `lignes` lignes de données."""
        ...

    def surligner(self, feuille: str, cellules: Iterable[tuple[int, int]]) -> None: ...

    def effacer_surlignage(self, feuille: str, premiere_ligne: int) -> None: ...

    def copier_feuille(self, feuille: str, chemin: Path) -> Path:
        """Écrit la feuille seule dans le classeur .xlsx `chemin` : la copie exacte des données
        que lit un calcul (`instantane`)."""
        ...

    def choisir_fichier(self, titre: str) -> Path | None: ...

    def ouvrir_dossier(self, dossier: Path) -> None: ...

    def informer(self, message: str) -> None: ...

    def enregistrer(self) -> None: ...


def est_texte_formule(valeur: object) -> bool:
    """Un texte qu'Excel prendrait pour une formule (=, +, -, @) : il est écrit comme texte."""
    return isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE)


# --- le classeur ouvert dans Excel ---------------------------------------------------------------


class ClasseurXlwings:
    """Le classeur qui a appelé la macro, piloté par xlwings (Windows ou macOS)."""

    def __init__(self, livre) -> None:
        self.livre = livre
        self.chemin = Path(livre.fullname)

    def lire_parametre(self, nom: str) -> object:
        # err_to_str : une cellule en erreur arrive en « #N/A », jamais en case vide
        return self.livre.names[nom].refers_to_range.options(err_to_str=True).value

    def ecrire_parametre(self, nom: str, valeur: object) -> None:
        self.livre.names[nom].refers_to_range.value = _valeur_xlwings(valeur)

    def _derniere_cellule(self, feuille: str) -> tuple[int, int]:
        utilisee = self.livre.sheets[feuille].used_range
        return utilisee.last_cell.row, utilisee.last_cell.column

    def lire_feuille(self, feuille: str) -> list[list[object]]:
        lignes, colonnes = self._derniere_cellule(feuille)
        plage = self.livre.sheets[feuille].range((1, 1), (lignes, colonnes))
        return plage.options(ndim=2, err_to_str=True).value

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

    def redimensionner_table(self, feuille: str, nom: str, lignes: int) -> None:
        ws = self.livre.sheets[feuille]
        table = ws.tables[nom]
        colonnes = table.range.columns.count
        haut = table.range.row
        table.resize(ws.range((haut, table.range.column), (haut + max(lignes, 1), colonnes)))

    def surligner(self, feuille: str, cellules: Iterable[tuple[int, int]]) -> None:
        ws = self.livre.sheets[feuille]
        for ligne, colonne in cellules:
            ws.range((ligne, colonne)).color = "#" + COULEUR_SURLIGNAGE

    def effacer_surlignage(self, feuille: str, premiere_ligne: int) -> None:
        derniere, colonnes = self._derniere_cellule(feuille)
        if derniere >= premiere_ligne:
            plage = self.livre.sheets[feuille].range((premiere_ligne, 1), (derniere, colonnes))
            plage.color = None

    def copier_feuille(self, feuille: str, chemin: Path) -> Path:
        return ecrire_instantane(chemin, feuille, self.lire_feuille(feuille))

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
        # l'apostrophe initiale fait d'une saisie un texte, sans s'afficher
        return "'" + str(valeur)
    return valeur


def classeur_appelant() -> Classeur:
    """Le classeur qui a appelé la macro du ruban (RunPython)."""
    import xlwings as xw

    return ClasseurXlwings(xw.Book.caller())


def horodatage() -> str:
    """« 2026-03-14 09:30:05 » : la date des lignes du journal."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
