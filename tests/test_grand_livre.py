"""Ce qui revient dans l'outil est vérifié comme les données du calcul : le grand livre
(resultats.csv) relu par annexe5 et notifications, et les lignes des exports de l'annexe 5.

Chaque refus : code 2, tous les problèmes d'un coup (fichier, ligne, colonne, valeur), rien écrit.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from aides import DONNEES, EXPORT_ACI, sortie_capturee
from hostiles.fabrique import LIGNE_FLUX, fluxiae
from iae_modulation.cli import main
from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.exports.exemples import lignes_export
from iae_modulation.rapprochement import texte_docx

ANNEXE5 = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026", "--sans-pdf"]
SIGNES = ("--lieu", "Nancy", "--signataire", "Jeanne Martin")


def grand_livre_modifie(source: Path, dossier: Path, modifications: dict) -> Path:
    """Copie du calcul (grand livre et manifeste) ; `modifications` : {(identifiant, colonne):
    texte} appliquées à la main, comme un agent dans un éditeur."""
    shutil.copytree(source.parent, dossier)
    chemin = dossier / "resultats.csv"
    with open(chemin, encoding="utf-8-sig", newline="") as fichier:
        lignes = list(csv.reader(fichier, delimiter=";"))
    entetes = lignes[0]
    for (identifiant, colonne), texte in modifications.items():
        (ligne,) = [ligne for ligne in lignes[1:] if ligne[0] == identifiant]
        ligne[entetes.index(colonne)] = texte
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";", lineterminator="\r\n").writerows(lignes)
    return chemin


def annexe5(resultats: Path, sortie: Path, *options: str) -> int:
    commande = [*ANNEXE5, "--resultats", str(resultats), "--sortie", str(sortie), *SIGNES]
    return main([*commande, *options])


def notifications(resultats: Path, sortie: Path, *options: str) -> int:
    commande = ["notifications", str(resultats), "--donnees", str(DONNEES), "--annee", "2026"]
    return main([*commande, "--sortie", str(sortie), "--sans-pdf", *SIGNES, *options])


@pytest.mark.parametrize(
    ("modification", "message"),
    [
        pytest.param(
            {("ACI054240010", "taux_calcule"): "0,5000"},
            "ligne 9, colonne « taux_calcule » : taux de 50,00 % : le montant modulé va de 0 à "
            "10 %",
            id="taux de 50 %",
        ),
        pytest.param(
            {("ACI054240010", "montant_net"): "-100,00"},
            "ligne 9, colonne « montant_net » : une valeur négative n'est pas possible ici.",
            id="montant négatif",
        ),
        pytest.param(
            {("ACI054240010", "montant_module"): "NaN"},
            "colonne « montant_module » : « NaN » n'est pas un nombre au format du grand livre",
            id="NaN",
        ),
        pytest.param(
            {("ACI054240010", "montant_socle"): "1,00"},
            "colonne « montant_avant_enveloppe » : 11 379,39 au lieu de 0,06 (montant socle × "
            "taux calculé)",
            id="socle changé à 1,00",
        ),
        pytest.param(
            {("ACI054240010", "montant_net"): "99999,99"},
            "colonne « montant_net » : 99 999,99 au lieu de",
            id="net différent du modulé",
        ),
        pytest.param(
            {("ACI054240010", "identifiant"): "ACI051230010"},
            "colonne « identifiant » : structure en double (lignes 2, 9)",
            id="structure en double",
        ),
        pytest.param(
            {("ACI054240010", "taux_calcule"): "1e400"},
            "« 1e400 » n'est pas un nombre au format du grand livre",
            id="exposant",
        ),
    ],
)
def test_grand_livre_modifie_refuse_par_annexe5_et_notifications(
    calculs, tmp_path, capsys, modification, message
):
    resultats = grand_livre_modifie(calculs[2026], tmp_path / "calcul", modification)
    assert annexe5(resultats, tmp_path / "asp") == 2
    texte = sortie_capturee(capsys).replace("\u00a0", " ")
    assert message in texte, texte
    assert "grand livre refusé, aucun document écrit" in texte
    assert not (tmp_path / "asp").exists()
    assert notifications(resultats, tmp_path / "lettres") == 2
    assert message in sortie_capturee(capsys).replace("\u00a0", " ")
    assert not (tmp_path / "lettres").exists()


def test_tous_les_problemes_d_un_coup(calculs, tmp_path, capsys):
    resultats = grand_livre_modifie(
        calculs[2026],
        tmp_path / "calcul",
        {
            ("ACI054240010", "taux_calcule"): "0,5000",
            ("ACI051230010", "montant_net"): "Infinity",
            ("EI054240006", "type"): "XYZ",
        },
    )
    assert annexe5(resultats, tmp_path / "asp") == 2
    texte = sortie_capturee(capsys)
    for attendu in (
        "ligne 9, colonne « taux_calcule »",
        "ligne 2, colonne « montant_net » : « Infinity »",
        "colonne « type » : type de SIAE inconnu",
        "son empreinte SHA-256 n'est plus celle que le calcul a consignée dans manifeste.json",
    ):
        assert attendu in texte


def test_grand_livre_modifie_accepte_sur_option_et_dit_partout(calculs, tmp_path, capsys):
    """Une raison sociale corrigée à la main : les montants restent justes, mais l'empreinte
    n'est plus celle du calcul. Refusé ; accepté avec --resultats-modifies, que chaque document
    et chaque manifeste mentionnent."""
    resultats = grand_livre_modifie(
        calculs[2026], tmp_path / "calcul", {("ACI054240010", "raison_sociale"): "Nouveau nom"}
    )
    assert annexe5(resultats, tmp_path / "refus") == 2
    assert "relancez avec --resultats-modifies" in sortie_capturee(capsys)
    assert annexe5(resultats, tmp_path / "asp", "--resultats-modifies") == 0
    mention = "Établi à partir d'un grand livre modifié après le calcul (resultats.csv"
    assert mention in texte_docx(tmp_path / "asp" / "decision_asp_ACI_54.docx")
    tableau = openpyxl.load_workbook(tmp_path / "asp" / "annexe5_ACI_54.xlsx")["Tableau"]
    assert tableau["A3"].value.startswith(mention)
    manifeste = json.loads((tmp_path / "asp" / "manifeste.json").read_text("utf-8"))
    assert manifeste["options"]["resultats_modifies"].startswith(mention)
    assert notifications(resultats, tmp_path / "lettres", "--resultats-modifies") == 0
    assert mention in texte_docx(tmp_path / "lettres" / "notification_ACI054240010.docx")
    index = openpyxl.load_workbook(tmp_path / "lettres" / "notifications.xlsx")
    assert index.sheetnames[0] == "Avertissement"
    assert index["Avertissement"]["A1"].value.startswith(mention)


# --- lignes des exports de l'annexe 5 ----------------------------------------------------------


def export_csv(chemin: Path, mesure: str, annee: int, modifier) -> Path:
    """Export extranet de la démo (CSV) dont `modifier(entetes, lignes)` change des cellules."""
    import pandas as pd

    table = pd.read_csv(DONNEES, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    entetes = [c.entete for c in disposition_de_la_mesure(mesure).colonnes]
    lignes = [
        [str(v).replace(".", ",") for v in ligne] for ligne in lignes_export(table, mesure, annee)
    ]
    modifier(entetes, lignes)
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows([entetes, *lignes])
    return chemin


def test_ligne_en_double_refusee_en_nommant_les_deux_lignes(calculs, tmp_path, capsys):
    """Avant : le montant était versé deux fois et la structure comptée une seule fois."""
    chemin = export_csv(tmp_path / "EI.csv", "EI", 2026, lambda e, lignes: lignes.append(lignes[0]))
    sortie = tmp_path / "asp"
    commande = ["annexe5", str(chemin), "--mesure", "EI", "--annee", "2026", "--sans-pdf"]
    assert main([*commande, "--resultats", str(calculs[2026]), "--sortie", str(sortie)]) == 2
    texte = sortie_capturee(capsys)
    assert "1 ligne(s) en double (une seule ligne par annexe financière" in texte
    assert (
        "Bâti-Relais Rémois — EI051240022A0M0 — 85568983200027 (ligne 9) : même structure qu'à "
        "la ligne 2 (EI051240022)"
    ) in texte
    assert not sortie.exists()


def test_base_negative_refusee(tmp_path, capsys):
    def negatif(entetes, lignes):
        lignes[0][entetes.index("Montant prévu de l'aide de l'Etat = AE")] = "-160845,69"

    chemin = export_csv(tmp_path / "EI.csv", "EI", 2026, negatif)
    commande = ["annexe5", str(chemin), "--mesure", "ei", "--annee", "2026", "--sans-pdf"]
    assert main([*commande, "--taux-forfaitaire", "5", "--sortie", str(tmp_path / "s")]) == 2
    assert (
        "ligne 2, colonne « Montant prévu de l'aide de l'Etat = AE » : montant négatif (-160845,69)"
    ) in sortie_capturee(capsys)
    assert not (tmp_path / "s").exists()


def test_export_d_une_autre_annee_refuse(tmp_path, capsys):
    """Avant : un export dont les annexes sont datées de 2026 passait pour --annee 2014."""
    chemin = export_csv(tmp_path / "EI.csv", "EI", 2026, lambda e, lignes: None)
    commande = ["annexe5", str(chemin), "--mesure", "EI", "--annee", "2014", "--sans-pdf"]
    assert main([*commande, "--taux-forfaitaire", "5", "--sortie", str(tmp_path / "s")]) == 2
    texte = sortie_capturee(capsys)
    assert "7 annexe(s) hors de l'année de campagne 2014" in texte
    assert "EI.csv, ligne 2 : annexe en vigueur du 01/01/2026 au 31/12/2026" in texte
    assert not (tmp_path / "s").exists()


def test_fluxiae_meme_annexe_et_avenant_avec_d_autres_valeurs_refuse(tmp_path, capsys):
    """Une ligne répétée à l'identique (l'échantillon réel en a) est écartée et comptée ; la même
    annexe au même avenant avec un autre montant est refusée en nommant les deux lignes."""
    identique = fluxiae(tmp_path / "identique.csv", [LIGNE_FLUX, LIGNE_FLUX])
    commande = ["annexe5", "--mesure", "ACI", "--annee", "2021", "--taux-forfaitaire", "5"]
    assert main([*commande, str(identique), "--sortie", str(tmp_path / "s1"), "--sans-pdf"]) == 0
    assert "ligne répétée à l'identique (même annexe, même avenant, mêmes valeurs) : 1" in (
        sortie_capturee(capsys)
    )
    autre = LIGNE_FLUX.replace("182888.12", "182888.13")
    differente = fluxiae(tmp_path / "differente.csv", [LIGNE_FLUX, autre])
    assert main([*commande, str(differente), "--sortie", str(tmp_path / "s2"), "--sans-pdf"]) == 2
    assert (
        "differente.csv, ligne 4 : même annexe et même avenant (ACI054210019A0M1) qu'à la ligne 3"
    ) in sortie_capturee(capsys)
    assert not (tmp_path / "s2").exists()


def test_fluxiae_deux_renouvellements_de_la_meme_annexe_dans_l_annee_refuses(tmp_path, capsys):
    deuxieme = LIGNE_FLUX.replace("|0|1|ACI_DC", "|1|0|ACI_DC").replace("01/01/2021", "01/07/2021")
    flux = fluxiae(tmp_path / "flux.csv", [LIGNE_FLUX, deuxieme])
    commande = ["annexe5", "--mesure", "ACI", "--annee", "2021", "--taux-forfaitaire", "5"]
    assert main([*commande, str(flux), "--sortie", str(tmp_path / "s"), "--sans-pdf"]) == 2
    assert "(ligne 4) : même structure qu'à la ligne 3 (ACI054210019)" in sortie_capturee(capsys)
