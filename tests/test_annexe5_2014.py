"""Le chemin de 2014 et de la régularisation 2015 (note DGEFP n° 2014-04), cas hostiles compris :
la décision de 2014 paie le montant du grand livre (celui de la lettre), jamais 5 % d'une base de
l'export qui en diffère ; un versement 2014 n'est tiré que par une annexe ; une enveloppe 2014 est
un contrôle (tests/cas/enveloppe_2014_controle.yaml). Attendus calculés à la main.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from aides import ecrire_csv, grand_livre_calcule, sortie_capturee
from iae_modulation.annexe5 import executer_annexe5
from iae_modulation.cli import main
from iae_modulation.documents.signature import Signature
from iae_modulation.exports.exemples import ecrire_export_xlsx
from iae_modulation.resultats import lire_grand_livre

SIGNATURE = Signature(lieu="Nancy", signataire="Jeanne Martin", date=dt.date(2014, 11, 20))
STRUCTURE = {
    "identifiant": "EI054140001",
    "siret": "73004030000065",
    "raison_sociale": "Lorraine Espaces Verts",
    "type": "EI",
    "departement": "54",
    "etp_conventionnes": "8",
    "montant_socle": "115200.00",
    "dont_cofinancement_cd": "0",
    "commune": "Nancy",
    "milieu_penitentiaire": "non",
}


def _sans_insecables(texte: str) -> str:
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def _export(chemin: Path, base: str) -> Path:
    """L'export EI de l'extranet pour 2014, dont la base (« Montant prévu de l'aide de l'Etat
    = AE ») est `base` : en-tête en ligne 4, la structure en ligne 5."""
    table = pd.DataFrame([{**STRUCTURE, "montant_socle": base}])
    return ecrire_export_xlsx(table, "EI", 2014, chemin)


def _annexe5(tmp_path: Path, export: Path, **options):
    return executer_annexe5(
        export, "EI", 2014, tmp_path / "asp", signature=SIGNATURE, pdf=False, **options
    )


def test_2014_decision_paie_le_montant_du_grand_livre(tmp_path):
    livre = grand_livre_calcule(tmp_path / "calcul", [STRUCTURE], 2014)
    export = _export(tmp_path / "EI.xlsx", "115200.00")
    rapport = _annexe5(tmp_path, export, resultats=livre, taux_forfaitaire=Decimal(5))
    assert rapport.code_sortie == 0, rapport.erreur
    # 115 200,00 × 5 % = 5 760,00 : le montant de la lettre
    assert rapport.totaux["54"].montant_net == Decimal("5760.00")
    feuille = openpyxl.load_workbook(tmp_path / "asp" / "annexe5_2014_54_EI.xlsx")["Tableau"]
    assert feuille["I5"].value == 5760
    phrase = _sans_insecables(feuille["A2"].value)
    assert phrase.startswith(
        "Le montant modulé de chaque structure est égal à 5,00 % du montant socle de l'aide au "
        "poste conventionnée"
    )
    assert "taux de modulation" not in phrase  # aucun « de 0 à 10 % » en 2014


def test_2014_taux_forfaitaire_sans_grand_livre_refuse(tmp_path):
    """Avant : 5 % de la base de l'export, sans rien comparer au grand livre des lettres."""
    rapport = _annexe5(tmp_path, _export(tmp_path / "EI.xlsx", "230400.00"), taux_forfaitaire=5)
    assert rapport.code_sortie == 2
    assert rapport.erreur.startswith(
        "Campagne 2014 : le montant payé par la décision est lu dans le grand livre, celui que "
        "les lettres notifient"
    )
    assert not (tmp_path / "asp").exists()


def test_2014_base_de_l_export_autre_que_le_socle_du_grand_livre_refusee(tmp_path):
    """Le cas vu : décision de 11 520,00 € (5 % de 230 400,00) quand la lettre disait
    5 760,00 € (5 % de 115 200,00) ; l'écart est refusé, cellule par cellule."""
    livre = grand_livre_calcule(tmp_path / "calcul", [STRUCTURE], 2014)
    export = _export(tmp_path / "EI.xlsx", "230400.00")
    rapport = _annexe5(tmp_path, export, resultats=livre, taux_forfaitaire=Decimal(5))
    assert rapport.code_sortie == 2
    assert (
        "EI.xlsx, feuille « Export », ligne 5, colonne « Montant prévu de l'aide de l'Etat = AE » "
        ": base de l'export 230 400,00 €, mais resultats.csv, ligne 2, colonne « montant_socle » "
        ": 115 200,00 € (montant socle du calcul)"
    ) in _sans_insecables(rapport.erreur)
    assert not (tmp_path / "asp").exists()


def test_2014_grand_livre_et_taux_forfaitaire_en_ligne_de_commande(tmp_path, capsys):
    livre = grand_livre_calcule(tmp_path / "calcul", [STRUCTURE], 2014)
    export = _export(tmp_path / "EI.xlsx", "115200.00")
    commande = ["annexe5", str(export), "--mesure", "EI", "--annee", "2014", "--sans-pdf"]
    commande += ["--resultats", str(livre), "--sortie", str(tmp_path / "asp")]
    assert main([*commande, "--taux-forfaitaire", "5"]) == 0
    assert "5 760,00 € à verser au total" in _sans_insecables(sortie_capturee(capsys))
    assert main([*commande[:-2], "--sortie", str(tmp_path / "asp2")]) == 0


# --- versements 2014, indexés par l'annexe 2014 ------------------------------------------------

# Une EI seule de son type dans le Grand Est : scores 0,5, taux 5 %, 6 000 × 5 % = 300,00.
EI_2015 = {
    "siret": "73004030000065",
    "raison_sociale": "Lorraine Espaces Verts",
    "type": "EI",
    "departement": "54",
    "montant_socle": "6000.00",
    "etp_conventionnes": "5",
    "etp_realises": "5",
    "nb_salaries_insertion": "6",
    "nb_beneficiaires_minima": "3",
    "etp_encadrement": "1",
    "etp_insertion": "3",
    "sorties_totales": "2",
    "sorties_emploi_durable": "1",
    "sorties_emploi_transition": "0",
    "sorties_positives": "0",
}


def _calcul_2015(tmp_path: Path, identifiants: list[str], versements: list[dict]):
    donnees = ecrire_csv(
        tmp_path / "donnees.csv", [{"identifiant": i, **EI_2015} for i in identifiants]
    )
    fichier = ecrire_csv(tmp_path / "versements.csv", versements)
    commande = ["calculer", str(donnees), "--annee", "2015", "--sortie", str(tmp_path / "calcul")]
    return main([*commande, "--versements-2014", str(fichier)])


def _versement(annexe: str) -> dict:
    return {
        "annexe_2014": annexe,
        "montant_verse_2014": "2000,00",
        "etp_conventionnes_2014": "4",
        "etp_realises_2014": "3",
    }


def test_versement_de_l_annexe_2014_tire_par_l_annexe_2015_de_la_meme_convention(tmp_path):
    assert _calcul_2015(tmp_path, ["EI054140001A1M0"], [_versement("EI054140001")]) == 0
    (ligne,) = lire_grand_livre(tmp_path / "calcul" / "resultats.csv").lignes
    # 2 000 × (4 − 3) / 4 = 500,00 ; 300,00 − 500,00 -> net 0,00, reste 200,00
    assert ligne["regularisation"] == Decimal("500.00")
    assert ligne["montant_net"] == Decimal("0.00")
    assert ligne["reste_a_deduire"] == Decimal("200.00")


def test_versement_2014_tire_par_deux_annexes_refuse(tmp_path, capsys):
    """Deux annexes 2015 de la même convention (deux périodes) : le versement de l'annexe 2014
    serait déduit deux fois."""
    identifiants = ["EI054140001A1M0", "EI054140001A2M0"]
    assert _calcul_2015(tmp_path, identifiants, [_versement("EI054140001")]) == 2
    assert (
        "versements.csv, ligne 2, colonne « annexe_2014 » : Versement 2014 de l'annexe "
        "EI054140001 tiré par 2 annexes des données (EI054140001A1M0 (donnees.csv, ligne 2), "
        "EI054140001A2M0 (donnees.csv, ligne 3)) : il serait déduit 2 fois."
    ) in sortie_capturee(capsys)
    assert not (tmp_path / "calcul" / "resultats.csv").exists()


def test_meme_versement_2014_liste_sous_deux_avenants_refuse(tmp_path, capsys):
    """Avant : le même versement, listé sous les deux annexes 2015 de la structure, était
    déduit deux fois en silence (2 × 500,00 €)."""
    identifiants = ["EI054140001A1M0", "EI054140001A2M0"]
    versements = [_versement(i) for i in identifiants]
    assert _calcul_2015(tmp_path, identifiants, versements) == 2
    assert (
        "versements.csv, ligne 3, colonne « annexe_2014 » : « EI054140001 » figure deux fois."
    ) in sortie_capturee(capsys)
    assert not (tmp_path / "calcul" / "resultats.csv").exists()


def test_2014_siret_de_l_export_autre_que_celui_du_grand_livre_refuse(tmp_path):
    livre = grand_livre_calcule(tmp_path / "calcul", [STRUCTURE], 2014)
    table = pd.DataFrame([{**STRUCTURE, "siret": "46270107900016"}])
    export = ecrire_export_xlsx(table, "EI", 2014, tmp_path / "EI.xlsx")
    rapport = _annexe5(tmp_path, export, resultats=livre, taux_forfaitaire=Decimal(5))
    assert rapport.code_sortie == 2
    assert (
        "EI.xlsx, feuille « Export », ligne 5, colonne « N° SIRET » : SIRET 46270107900016 dans "
        "l'export, 73004030000065 (Lorraine Espaces Verts) dans resultats.csv pour le n° "
        "d'annexe EI054140001A0M0 (resultats.csv, ligne 2, colonne « siret ») : la décision "
        "paierait une autre structure"
    ) in rapport.erreur
