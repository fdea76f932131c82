"""Le fichier `resultats.csv` d'une campagne : colonnes, écriture et relecture.

UTF-8 avec BOM (Excel l'ouvre sans assistant), séparateur `;`, virgule décimale ; taux et
indicateurs en fraction (0,0734 = 7,34 %), montants à deux décimales.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd

from iae_modulation.encodages import decoder_octets
from iae_modulation.lecture import lire_nombre
from iae_modulation.sorties import ErreurEntree, texte_sans_formule, verifier_fichier_entree

METHODE_FORFAIT_2014 = "forfait 2014"  # colonne `methode` des résultats de 2014

COLONNES_IDENTITE = ("identifiant", "siret", "raison_sociale", "type", "departement", "region")
COLONNES_EXPLICATION = ("methode", "justification", "anomalies")
COLONNES_TEXTE = COLONNES_IDENTITE + COLONNES_EXPLICATION
COLONNES_FRACTION = (
    "publics",
    "effort",
    "resultats",
    "score_publics",
    "score_effort",
    "score_resultats",
    "taux_modulation",
)
COLONNES_MONTANT = (
    "montant_socle",
    "montant_module",
    "regularisation",
    "montant_net",
    "reste_a_deduire",
)
# l'ordre des colonnes du fichier : identité, indicateurs et taux, montants, explications
COLONNES_RESULTATS = COLONNES_IDENTITE + COLONNES_FRACTION + COLONNES_MONTANT + COLONNES_EXPLICATION


def _colonne_texte(colonne: str, valeurs) -> list[str]:
    """Les cellules d'une colonne, prêtes pour le CSV (texte anti-formule, virgule décimale)."""
    if colonne in COLONNES_TEXTE:
        return ["" if v is None else texte_sans_formule(str(v)) for v in valeurs]
    gabarit = "{:.2f}" if colonne in COLONNES_MONTANT else "{:.4f}"
    return ["" if v is None else gabarit.format(Decimal(v)).replace(".", ",") for v in valeurs]


def ecrire_resultats_csv(resultats: pd.DataFrame, chemin: Path) -> Path:
    """Écrit les colonnes de `COLONNES_RESULTATS` dans leur ordre, une ligne par structure."""
    colonnes = [_colonne_texte(c, resultats[c]) for c in COLONNES_RESULTATS]
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";", lineterminator="\r\n")
        ecrivain.writerow(COLONNES_RESULTATS)
        ecrivain.writerows(zip(*colonnes, strict=True))
    return Path(chemin)


def lire_resultats_csv(chemin: Path, annee: int | None = None) -> pd.DataFrame:
    """Relit un `resultats.csv` : textes en str, fractions et montants en Decimal (None si vide).

    Lève `ErreurEntree` (en français, avec la ligne et la colonne) si le fichier n'a pas la forme
    attendue, ou, si `annee` est donnée, s'il vient du calcul d'une autre campagne.
    """
    chemin = verifier_fichier_entree(chemin)
    table = _lire_table(chemin)
    manquantes = [c for c in COLONNES_RESULTATS if c not in table.columns]
    if manquantes:
        raise ErreurEntree(
            f"{chemin.name} : ce n'est pas un fichier de résultats de « iae-modulation calculer » "
            f"(colonnes manquantes : {', '.join(manquantes)})."
        )
    for colonne in COLONNES_FRACTION + COLONNES_MONTANT:
        table[colonne] = [
            _decimal(v, chemin, ligne, colonne) for ligne, v in enumerate(table[colonne], start=2)
        ]
    for colonne in COLONNES_TEXTE:
        table[colonne] = [
            v[1:] if v.startswith(("'=", "'+", "'-", "'@")) else v for v in table[colonne]
        ]
    if annee is not None:
        _verifier_annee(chemin, table, annee)
    return table


def _lire_table(chemin: Path) -> pd.DataFrame:
    """UTF-8 (avec ou sans BOM) écrit par l'outil, ou Windows-1252 si Excel l'a réenregistré
    (un mélange des deux est refusé : `encodages`)."""
    texte = decoder_octets(chemin.read_bytes(), chemin.name)
    try:
        return pd.read_csv(io.StringIO(texte), sep=";", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ErreurEntree(
            f"{chemin.name} : fichier vide ; choisissez le resultats.csv écrit par "
            "« iae-modulation calculer »."
        ) from None
    except (pd.errors.ParserError, ValueError) as erreur:
        raise ErreurEntree(
            f"{chemin.name} : fichier CSV illisible ({erreur}) ; choisissez le resultats.csv "
            "écrit par « iae-modulation calculer »."
        ) from None


def annee_du_calcul(chemin: Path) -> int | None:
    """Année de campagne du calcul qui a écrit `chemin`, lue dans le manifeste.json voisin."""
    manifeste = Path(chemin).parent / "manifeste.json"
    try:
        contenu = json.loads(manifeste.read_text(encoding="utf-8"))
        annee = contenu["options"]["annee"] if contenu.get("commande") == "calculer" else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return annee if isinstance(annee, int) else None


def _verifier_annee(chemin: Path, table: pd.DataFrame, annee: int) -> None:
    """Refuse des résultats d'une autre campagne que `annee` (manifeste, sinon forfait 2014)."""
    calcul, source = annee_du_calcul(chemin), "manifeste.json du calcul"
    if calcul is None and len(table):
        forfait = table["methode"] == METHODE_FORFAIT_2014
        if forfait.all() and annee != 2014:
            calcul, source = 2014, "méthode « forfait 2014 »"
        elif not forfait.any() and annee == 2014:
            raise ErreurEntree(
                f"{chemin.name} : ces résultats ne sont pas ceux de la campagne 2014 (taux "
                "forfaitaire de 5 %) ; choisissez les résultats du calcul de 2014."
            )
    if calcul is not None and calcul != annee:
        raise ErreurEntree(
            f"{chemin.name} : ces résultats sont ceux de la campagne {calcul} ({source}), pas "
            f"de la campagne {annee} demandée : choisissez les résultats de "
            f"{annee}, ou indiquez l'année {calcul}."
        )


def _decimal(valeur: str, chemin: Path, ligne: int, colonne: str) -> Decimal | None:
    if valeur.strip() == "":
        return None
    try:
        return lire_nombre(valeur.strip())
    except ValueError:
        raise ErreurEntree(
            f"{chemin.name}, ligne {ligne}, colonne « {colonne} » : « {valeur} » n'est pas "
            "un nombre."
        ) from None
