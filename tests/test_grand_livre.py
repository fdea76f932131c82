"""Ce qui revient dans l'outil est vérifié comme les données du calcul : le grand livre
(resultats.csv) relu par annexe5 et notifications, et les lignes des exports de l'annexe 5.

Chaque refus : code 2, tous les problèmes d'un coup (fichier, ligne, colonne, valeur), rien écrit.
"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from aides import DONNEES, EXPORT_ACI, entetes_de_page, sortie_capturee
from hostiles.fabrique import LIGNE_FLUX, donnees_2015, donnees_avec, fluxiae
from iae_modulation.cli import main
from iae_modulation.documents.signature import signature_demo
from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.exports.exemples import lignes_export
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import ErreurEntree

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
            "colonne « montant_avant_enveloppe » : 11 360,94 au lieu de 0,06 (montant socle × "
            "taux calculé, au centime)",
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
    entetes = entetes_de_page(tmp_path / "asp" / "decision_asp_2026_54_ACI.docx")
    assert entetes and all(mention in entete for entete in entetes)
    tableau = openpyxl.load_workbook(tmp_path / "asp" / "annexe5_2026_54_ACI.xlsx")["Tableau"]
    assert tableau["A3"].value.startswith(mention)
    manifeste = json.loads((tmp_path / "asp" / "manifeste.json").read_text("utf-8"))
    assert manifeste["options"]["resultats_modifies"].startswith(mention)
    assert notifications(resultats, tmp_path / "lettres", "--resultats-modifies") == 0
    entetes = entetes_de_page(tmp_path / "lettres" / "notification_2026-54-ACI-ACI054240010.docx")
    assert entetes and all(mention in entete for entete in entetes)
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


def test_export_d_une_autre_annee_refuse(calculs, tmp_path, capsys):
    """Avant : un export dont les annexes sont datées de 2026 passait pour --annee 2014."""
    chemin = export_csv(tmp_path / "EI.csv", "EI", 2026, lambda e, lignes: None)
    commande = ["annexe5", str(chemin), "--mesure", "EI", "--annee", "2014", "--sans-pdf"]
    commande += ["--resultats", str(calculs[2014]), "--taux-forfaitaire", "5"]
    assert main([*commande, "--sortie", str(tmp_path / "s")]) == 2
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


# --- relecture : ce que le calcul écrit, le grand livre le relit toujours ----------------------


def _calculer(donnees: Path, sortie: Path, annee: str, *options: str) -> int:
    return main(["calculer", str(donnees), "--annee", annee, "--sortie", str(sortie), *options])


def test_enveloppe_ou_versement_sous_le_centime_refuses(tmp_path, capsys):
    """Avant : 290 000,999 € passaient au calcul, puis le grand livre (écrit au centime) était
    refusé par notifications et annexe5."""
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;290000,999\n", encoding="utf-8")
    assert _calculer(DONNEES, tmp_path / "s", "2026", "--enveloppes", str(enveloppes)) == 2
    assert (
        "enveloppes.csv, ligne 2, colonne « enveloppe » : Un montant s'écrit au centime près"
    ) in sortie_capturee(capsys)
    versements = tmp_path / "versements.csv"
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        "ACI051230010;9600,005;10;0\n",
        encoding="utf-8",
    )
    donnees = donnees_2015(tmp_path / "donnees.csv")
    options = ("--versements-2014", str(versements))
    assert _calculer(donnees, tmp_path / "s2", "2015", *options) == 2
    assert "colonne « montant_verse_2014 » : Un montant s'écrit au centime près" in (
        sortie_capturee(capsys)
    )


def test_etp_2014_d_une_division_excel_et_effort_de_dix_relus(tmp_path, capsys):
    """Des ETP 2014 à 16 décimales (10/3 dans Excel) et un effort de 10 (10 ETP d'encadrement
    pour 1 en insertion, le plus haut accepté) : le calcul les écrit, les lettres relisent le
    même grand livre. (Un effort de 1 000, 10 ETP pour 0,01, est refusé à la lecture.)"""
    texte = donnees_2015(tmp_path / "d.csv").read_text(encoding="utf-8").splitlines()
    entetes = texte[0].split(";")
    ligne = texte[1].split(";")
    ligne[entetes.index("etp_encadrement")] = "10"
    ligne[entetes.index("etp_insertion")] = "1"
    donnees = tmp_path / "donnees.csv"
    donnees.write_text("\n".join([texte[0], ";".join(ligne), *texte[2:]]), encoding="utf-8")
    versements = tmp_path / "versements.csv"
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        f"{ligne[0]};9600,00;3,3333333333333335;2\n",
        encoding="utf-8",
    )
    options = ("--versements-2014", str(versements))
    assert _calculer(donnees, tmp_path / "calcul", "2015", *options) == 0
    livre = lire_grand_livre(tmp_path / "calcul" / "resultats.csv", 2015)
    (structure,) = [ligne_ for ligne_ in livre.lignes if ligne_["identifiant"] == ligne[0]]
    assert structure["effort"] == Decimal("10")
    assert structure["etp_conventionnes_2014"] == Decimal("3.3333333333333335")
    commande = ["notifications", str(tmp_path / "calcul" / "resultats.csv"), "--annee", "2015"]
    sortie = ["--donnees", str(donnees), "--sortie", str(tmp_path / "l"), "--sans-pdf"]
    assert main([*commande, *sortie]) == 0, sortie_capturee(capsys)


def test_socle_nul_et_enveloppe_lettres_sans_erreur(tmp_path, capsys):
    """Avant : une structure au socle nul, « réduite » par l'enveloppe, faisait échouer les
    lettres (taux effectif vide). Un montant nul n'a rien à réduire."""
    socle_nul = {("montant_socle", 0): "0", ("dont_cofinancement_cd", 0): "0"}
    donnees = donnees_avec(tmp_path / "donnees.csv", socle_nul)
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;250000\n", encoding="utf-8")
    assert _calculer(donnees, tmp_path / "calcul", "2026", "--enveloppes", str(enveloppes)) == 0
    (nulle,) = [
        ligne
        for ligne in lire_grand_livre(tmp_path / "calcul" / "resultats.csv").lignes
        if ligne["montant_socle"] == 0
    ]
    assert nulle["montant_net"] == 0 and nulle["enveloppe_disponible"] is None
    commande = ["notifications", str(tmp_path / "calcul" / "resultats.csv"), "--annee", "2026"]
    sortie = ["--donnees", str(donnees), "--sortie", str(tmp_path / "l"), "--sans-pdf"]
    assert main([*commande, *sortie]) == 0, sortie_capturee(capsys)


def test_annee_illisible_refusee_sans_trace(calculs, tmp_path):
    resultats = grand_livre_modifie(
        calculs[2026],
        tmp_path / "calcul",
        {(identifiant, "annee"): "²" for identifiant in _identifiants(calculs[2026])},
    )
    with pytest.raises(ErreurEntree, match="une seule année de campagne par grand livre"):
        lire_grand_livre(resultats, accepter_modifie=True)


def _identifiants(resultats: Path) -> list[str]:
    return [ligne["identifiant"] for ligne in lire_grand_livre(resultats).lignes]


# --- annexe 5 : chaque structure notifiée, payée une fois, dans son département ---------------


def test_meme_structure_par_son_annexe_et_par_son_siret_refusee(calculs, tmp_path, capsys):
    """Une ligne avec le n° d'annexe et sa copie sans n° d'annexe (retrouvée par le SIRET) :
    avant, la structure était payée deux fois."""

    def copie_sans_annexe(entetes, lignes):
        copie = list(lignes[0])
        copie[entetes.index("N° annexe financière")] = ""
        lignes.append(copie)

    chemin = export_csv(tmp_path / "ACI.csv", "ACI", 2026, copie_sans_annexe)
    commande = ["annexe5", str(chemin), "--mesure", "ACI", "--annee", "2026", "--sans-pdf"]
    code = main([*commande, "--resultats", str(calculs[2026]), "--sortie", str(tmp_path / "s")])
    assert code == 2
    assert "même structure (ACI051230010) qu'à la ligne 2" in sortie_capturee(capsys)
    assert not (tmp_path / "s").exists()


def test_structure_dans_un_autre_departement_refusee(calculs, tmp_path, capsys):
    def deplacer(entetes, lignes):
        lignes[0][entetes.index("Département")] = "57"

    chemin = export_csv(tmp_path / "ACI.csv", "ACI", 2026, deplacer)
    commande = ["annexe5", str(chemin), "--mesure", "ACI", "--annee", "2026", "--sans-pdf"]
    code = main([*commande, "--resultats", str(calculs[2026]), "--sortie", str(tmp_path / "s")])
    assert code == 2
    assert "département 57 dans l'export, 51 dans resultats.csv" in sortie_capturee(capsys)


def test_structure_notifiee_absente_de_l_export_refusee(calculs, tmp_path, capsys):
    chemin = export_csv(tmp_path / "ACI.csv", "ACI", 2026, lambda e, lignes: lignes.pop(0))
    commande = ["annexe5", str(chemin), "--mesure", "ACI", "--annee", "2026", "--sans-pdf"]
    code = main([*commande, "--resultats", str(calculs[2026]), "--sortie", str(tmp_path / "s")])
    assert code == 2
    texte = sortie_capturee(capsys)
    assert "1 structure(s) du grand livre absente(s) de l'export" in texte
    assert "ACI051230010 — Les Jardins de la Vesle (51)" in texte


MARNE = "51 Marne : 1 structure(s), base 160 845,69 €, montant modulé "  # EI051240022


@pytest.mark.parametrize(
    ("annee", "pourcent", "attendu"),
    [
        # 2014 : 5 % et rien d'autre (note 2014-04), ni au-dessous ni au-dessus
        (2014, "4,99", "Taux forfaitaire de 4.99 % refusé pour 2014 : la note DGEFP n° 2014-04 "),
        (2014, "5", MARNE + "8 042,28 €"),  # 160 845,69 × 5 % = 8 042,2845
        (2014, "5,00", MARNE + "8 042,28 €"),
        (2014, "5,01", "Taux forfaitaire de 5.01 % refusé pour 2014 : la note DGEFP n° 2014-04 "),
        (2014, "7", "Taux forfaitaire de 7 % refusé pour 2014 : la note DGEFP n° 2014-04 fixe"),
        # ensuite : de 0 au taux maximal de l'arrêté (10 %), bornes comprises
        (2021, "0", MARNE + "0,00 €"),
        (2021, "10", MARNE + "16 084,57 €"),  # 16 084,569
        (2021, "10,01", "Taux forfaitaire de 10.01 % refusé : le montant modulé va de 0 à 10 %"),
    ],
)
def test_taux_forfaitaire_borne_des_deux_cotes(calculs, tmp_path, capsys, annee, pourcent, attendu):
    chemin = export_csv(tmp_path / "EI.csv", "EI", annee, lambda e, lignes: None)
    commande = ["annexe5", str(chemin), "--mesure", "EI", "--annee", str(annee), "--sans-pdf"]
    if annee == 2014:  # 2014 : le montant payé est celui du grand livre (issue 16)
        commande += ["--resultats", str(calculs[2014])]
    code = main([*commande, "--taux-forfaitaire", pourcent, "--sortie", str(tmp_path / "s")])
    texte = sortie_capturee(capsys).replace("\u00a0", " ").replace("\u202f", " ")
    assert attendu in texte
    assert code == (0 if attendu.startswith(MARNE) else 2)
    assert (tmp_path / "s").exists() == (code == 0)


def test_pdf_exige_et_conversion_echouee_rien_d_ecrit(calculs, tmp_path, monkeypatch):
    from iae_modulation.annexe5 import execution as module
    from iae_modulation.documents.pdf import ErreurPDF

    def echec(*_):
        raise ErreurPDF("LibreOffice n'a produit aucun PDF.")

    monkeypatch.setattr(module, "pdf_a_produire", lambda demande: True)
    monkeypatch.setattr(module, "convertir_en_pdf", echec)
    rapport = module.executer_annexe5(
        EXPORT_ACI,
        "ACI",
        2026,
        tmp_path / "s",
        resultats=calculs[2026],
        signature=signature_demo(),
        pdf=True,
    )
    assert rapport.code_sortie == 1
    assert "Aucun document écrit, la conversion en PDF a échoué" in rapport.erreur
    assert not (tmp_path / "s").exists()


EITI_2025 = (
    "identifiant;type;departement;montant_socle;nb_salaries_insertion;nb_beneficiaires_minima;"
    "etp_encadrement;etp_insertion;sorties_totales;sorties_emploi_durable;"
    "sorties_emploi_transition;sorties_positives\n"
    "EITI067250001;EITI;67;39420,00;8;4;1;5;4;1;1;0\n"
)
PLAFOND_EITI = """description: "Taux maximal du montant modulé des EITI"
unite: fraction
valeurs:
  2025-01-01:
    valeur: 0.10
    grade: T
    reference:
      titre: "Instruction d'essai fixant la part modulée des EITI (texte fictif des tests)"
      lien: https://exemple.invalid/instruction-essai
"""


def test_grand_livre_relu_avec_les_parametres_du_calcul(tmp_path):
    """Une EITI de 2025 n'a de taux que par le dossier de paramètres de l'agent : relu sans ce
    dossier (ou avec un autre), le grand livre est refusé avec ce qu'il faut faire, au lieu de
    « taux faux » ; relu avec le même dossier, il passe (EITI seule de son type : 5 %)."""
    from iae_modulation.parametres import surcharge

    donnees = tmp_path / "donnees.csv"
    donnees.write_text(EITI_2025, encoding="utf-8")
    dossier = tmp_path / "parametres_agent"
    dossier.mkdir()
    (dossier / "taux_modulation_max_eiti.yaml").write_text(PLAFOND_EITI, encoding="utf-8")
    commande = ["calculer", str(donnees), "--annee", "2025", "--parametres", str(dossier)]
    assert main([*commande, "--sortie", str(tmp_path / "calcul")]) == 0
    resultats = tmp_path / "calcul" / "resultats.csv"
    with pytest.raises(ErreurEntree) as refus:
        lire_grand_livre(resultats)
    assert f"le calcul a lu le dossier de paramètres « {dossier} »" in str(refus.value)
    assert "relancez avec --parametres et ce dossier" in str(refus.value)
    assert "au lieu de" not in str(refus.value)  # aucun taux dit faux à tort
    (dossier / "taux_modulation_max_eiti.yaml").write_text(
        PLAFOND_EITI.replace("0.10", "0.08"), encoding="utf-8"
    )
    with surcharge(dossier), pytest.raises(ErreurEntree, match="même"):
        lire_grand_livre(resultats)  # dossier modifié depuis le calcul
    (dossier / "taux_modulation_max_eiti.yaml").write_text(PLAFOND_EITI, encoding="utf-8")
    with surcharge(dossier):
        (ligne,) = lire_grand_livre(resultats).lignes
    assert (ligne["taux_calcule"], ligne["montant_module"]) == (
        Decimal("0.0500"),
        Decimal("1971.00"),
    )
