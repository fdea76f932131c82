"""Exports extranet fictifs fabriqués depuis une table canonique (démo, essais, bancs d'essai).

Reproduit la forme décrite par la note DGEFP 2014-04, annexe 5 (en-têtes du fichier YAML, dans
leur ordre, précédés de lignes de titre comme dans l'extranet). Les montants viennent de la
table canonique : « Montant prévu de l'aide de l'Etat = AE » et « Montant total de l'aide au
poste » = `montant_socle`, « Dont cofinancé par le conseil général » = `dont_cofinancement_cd`.

Régénérer les exemples de la démo : `python -m iae_modulation.exports.exemples`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pandas as pd

from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.formats import arrondi_centime
from iae_modulation.lecture import lire_nombre
from iae_modulation.sorties import texte_sans_formule
from iae_modulation.texte_xml import ClasseurXlsx

ANNEE_DEMO = 2026
DUREE_ANNUELLE = {"AI": Decimal(1607), "ACI": Decimal(1820)}
# Pas d'EITI dans la démo de 2026 : depuis le 1er janvier 2025, aucune part modulée de l'aide
# EITI n'a été trouvée (paramètre taux_modulation_max_eiti), une EITI y serait refusée.
FICHIERS_DEMO = {
    "EI": "EI.xlsx",
    "ETTI": "ETTI.csv",
    "AI": "AI.xlsx",
    "ACI": "ACI.xlsx",
}


def lignes_export(table: pd.DataFrame, mesure: str, annee: int) -> list[list[object]]:
    """Lignes de données de l'export de `mesure` (textes et `Decimal`), dans l'ordre du YAML."""
    cles = [c.cle for c in disposition_de_la_mesure(mesure).colonnes]
    structures = table[table["type"] == mesure]
    return [[_cellule(cle, s, annee) for cle in cles] for s in structures.to_dict("records")]


def _cellule(cle: str, s: dict, annee: int) -> object:
    socle = lire_nombre(s["montant_socle"])
    etp = lire_nombre(s["etp_conventionnes"])
    cofinancement = lire_nombre(s["dont_cofinancement_cd"] or "0")
    paye = arrondi_centime(socle * Decimal("0.75"))
    valeurs = {
        "departement": s["departement"],
        "no_presage": "P" + s["siret"][-6:],
        "siret": s["siret"],
        "raison_sociale": s["raison_sociale"],
        "commune": s["commune"],
        "numero_convention": f"{s['departement'].zfill(3)} {s['identifiant'][-6:-4]} "
        f"{s['type']} {s['identifiant'][-4:]}",
        "numero_annexe": s["identifiant"] + "A0M0",
        "date_debut_effet_annexe": f"01/01/{annee}",
        "date_fin_effet_annexe": f"31/12/{annee}",
        "nb_postes": etp,
        "duree_annuelle_poste": DUREE_ANNUELLE.get(s["type"], Decimal(1505)),
        "montant_unitaire": arrondi_centime(socle / etp) if etp else Decimal(0),
        "milieu_penitentiaire": s.get("milieu_penitentiaire") or "non",
        "date_debut_aide": f"01/01/{annee}",
        "date_fin_aide": f"31/12/{annee}",
        "montant_etat": socle,
        "montant_fse": Decimal(0),
        "montant_total_prevu": socle,
        "montant_total": socle,
        "cofinancement_cg": cofinancement,
        "montant_paye": paye,
        "reste_a_payer": socle - paye,
    }
    return valeurs[cle]


def titres(mesure: str, annee: int) -> list[str]:
    disposition = disposition_de_la_mesure(mesure)
    return [
        f"{disposition.titre} – {mesure} – Droit commun",
        f"Extranet IAE – {disposition.chemin_extranet} – année {annee}",
    ]


def ecrire_export_xlsx(table: pd.DataFrame, mesure: str, annee: int, chemin: Path) -> Path:
    """Classeur comme l'extranet : deux lignes de titre, une ligne vide, l'en-tête, les données."""
    entetes = [c.entete for c in disposition_de_la_mesure(mesure).colonnes]
    classeur = ClasseurXlsx(
        str(chemin), {"default_format_properties": {}, "default_row_height": 20}
    )
    feuille = classeur.add_worksheet("Export")
    gras = classeur.add_format({"bold": True})
    for rang, titre in enumerate(titres(mesure, annee)):
        feuille.write_string(rang, 0, titre, gras)
    feuille.write_row(3, 0, entetes, gras)
    for rang, ligne in enumerate(lignes_export(table, mesure, annee), start=4):
        for colonne, valeur in enumerate(ligne):
            if isinstance(valeur, Decimal):
                feuille.write_number(rang, colonne, valeur)
            else:
                feuille.write_string(rang, colonne, str(valeur))
    classeur.close()
    return chemin


def ecrire_export_csv(table: pd.DataFrame, mesure: str, annee: int, chemin: Path) -> Path:
    """CSV « à la française » (séparateur ;, virgule décimale, UTF-8 avec BOM), titres en tête."""
    entetes = [c.entete for c in disposition_de_la_mesure(mesure).colonnes]
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";", lineterminator="\r\n")
        for titre in titres(mesure, annee):
            ecrivain.writerow([titre] + [""] * (len(entetes) - 1))
        ecrivain.writerow(entetes)
        ecrivain.writerows(_textes(lignes_export(table, mesure, annee)))
    return chemin


def _textes(lignes: Iterable[list[object]]) -> Iterable[list[str]]:
    for ligne in lignes:
        yield [
            str(v).replace(".", ",") if isinstance(v, Decimal) else texte_sans_formule(str(v))
            for v in ligne
        ]


def ecrire_exemples_demo(dossier: Path, table: pd.DataFrame, annee: int = ANNEE_DEMO) -> list[Path]:
    """Les exports de la démo (EI, AI et ACI en .xlsx, ETTI en .csv)."""
    dossier.mkdir(parents=True, exist_ok=True)
    chemins = []
    for mesure, nom in FICHIERS_DEMO.items():
        ecrire = ecrire_export_csv if nom.endswith(".csv") else ecrire_export_xlsx
        chemins.append(ecrire(table, mesure, annee, dossier / nom))
    return chemins


def _donnees_demo() -> pd.DataFrame:
    texte = resources.files("iae_modulation.demo").joinpath("donnees_demo.csv")
    with resources.as_file(texte) as chemin:
        return pd.read_csv(chemin, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


if __name__ == "__main__":
    dossier = Path(__file__).resolve().parents[1] / "demo" / "exports"
    for chemin in ecrire_exemples_demo(dossier, _donnees_demo()):
        print(f"Écrit : {chemin}")
