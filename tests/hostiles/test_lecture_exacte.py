"""Issue 14, lecture : chaque valeur d'entrée est lue exactement ou refusée, sur chaque chemin
(données CSV/XLSX, enveloppes, versements 2014, exports extranet et FluxIAE, feuille « Données
SIAE » du classeur, fonctions de feuille). Chaque test dit CE QUI A ÉTÉ LU (valeur de la table
typée, du grand livre) ou le refus (fichier, ligne, colonne), jamais seulement « pas de trace ».

Montants de référence, écrits à la main depuis l'issue 14 : avec les données de démonstration,
ACI051230010 reçoit 13 901,57 € en 2026 ; un « #N/A » lu comme vide le faisait tomber à
9 504,79 €.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from aides import (
    DONNEES,
    EXPORT_ACI,
    classeur_de_campagne,
    demo_hors_detention,
    grand_livre,
    sortie_capturee,
)
from fabrique import (
    COLONNES_DONNEES,
    LIGNE_FLUX,
    LIGNES_DONNEES,
    donnees_2015,
    donnees_avec,
    fluxiae,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iae_modulation.cli import main
from iae_modulation.donnees import lire_donnees, valider
from iae_modulation.erreurs import ErreurEntree
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import macros, paquet
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.excel.tableau import DonneesInvalides, resultats_du_tableau
from iae_modulation.excel.udfs import IAE_EFFORT, IAE_PUBLICS, MODULATION
from iae_modulation.lecture import TableBrute, lire_table

RACINE = Path(__file__).resolve().parents[2]
GABARIT = RACINE / "templates" / "IAE_modulation.xlsm"
PREMIERE = "ACI051230010"  # première structure des données de démonstration (ligne 2)
STRUCTURES = len(LIGNES_DONNEES)  # structures des données de démonstration
NET_PREMIERE_2026 = Decimal("13901.57")  # issue 14, « What was seen », point 1
ERREURS_XLSX = (  # valeurs d'erreur telles qu'un .xlsx les enregistre (toujours en anglais)
    "#N/A",
    "#VALUE!",
    "#DIV/0!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)
ERREURS_CSV_FRANCAIS = (  # ce qu'Excel en français écrit dans un CSV
    "#N/A",
    "#VALEUR!",
    "#DIV/0!",
    "#REF!",
    "#NOM?",
    "#NOMBRE!",
    "#NUL!",
    "#PROPAGATION!",
    "#CALC!",
)


# --- fabrique ----------------------------------------------------------------------------------


def colonne(nom: str) -> int:
    return COLONNES_DONNEES.index(nom)


def lignes_demo() -> list[list[str]]:
    return [ligne.split(";") for ligne in LIGNES_DONNEES]


def xlsx_avec_erreur(chemin: Path, cellules: dict[tuple[int, str], str]) -> Path:
    """Les données de démonstration en classeur (nombres en cellules numériques) ; `cellules` :
    (rang de la structure, colonne) -> valeur d'erreur écrite comme Excel l'enregistre
    (`<c t="e"><f>…</f><v>#N/A</v></c>`)."""
    with xlsxwriter.Workbook(str(chemin), {"strings_to_numbers": False}) as livre:
        feuille = livre.add_worksheet("Données")
        feuille.write_row(0, 0, COLONNES_DONNEES)
        for rang, valeurs in enumerate(lignes_demo()):
            for j, texte in enumerate(valeurs):
                nom = COLONNES_DONNEES[j]
                if (rang, nom) in cellules:  # #N/A ici, remplacé ensuite dans le XML
                    feuille.write_formula(rang + 1, j, "=NA()", None, "#N/A")
                elif re.fullmatch(r"\d+(,\d+)?", texte) and nom not in ("siret", "code_postal"):
                    feuille.write_number(rang + 1, j, float(texte.replace(",", ".")))
                else:
                    feuille.write_string(rang + 1, j, texte)
    # XlsxWriter n'écrit en t="e" que les erreurs anciennes (#N/A, #DIV/0!…) : les autres
    # (#SPILL!, #CALC!, #GETTING_DATA) sont mises dans le XML comme Excel les enregistre
    with zipfile.ZipFile(chemin) as archive:
        parties = {nom: archive.read(nom) for nom in archive.namelist()}
    for erreur in cellules.values():
        xml = parties["xl/worksheets/sheet1.xml"]
        parties["xl/worksheets/sheet1.xml"] = xml.replace(
            b"<f>NA()</f><v>#N/A</v>", b"<f>NA()</f><v>" + erreur.encode() + b"</v>", 1
        ).replace(b"<f>NA()</f><v>", b"<f>na()</f><v>", 1)
    with zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom, contenu in parties.items():
            archive.writestr(nom, contenu.replace(b"<f>na()</f>", b"<f>NA()</f>"))
    return chemin


def csv_demo(chemin: Path, modifications: dict[tuple[int, str], str], separateur=";") -> Path:
    lignes = lignes_demo()
    for (rang, nom), valeur in modifications.items():
        lignes[rang][colonne(nom)] = valeur
    texte = "\n".join(separateur.join(r) for r in [COLONNES_DONNEES, *lignes]) + "\n"
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def calculer(donnees: Path, dossier: Path, *options: str, annee: str = "2026") -> int:
    return main(["calculer", str(donnees), "--annee", annee, "--sortie", str(dossier), *options])


def calculer_2015(
    dossier: Path, versements: str, sortie_: str = "s", identifiant: str = PREMIERE
) -> int:
    """`calculer` 2015 sur les données de démonstration (la première structure écrite
    `identifiant`), avec ces lignes de versements 2014."""
    fichier = dossier / "versements.csv"
    fichier.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n" + versements,
        encoding="utf-8",
    )
    donnees = donnees_2015(dossier / "d.csv")
    texte = donnees.read_text(encoding="utf-8")
    donnees.write_text(texte.replace(PREMIERE, identifiant, 1), encoding="utf-8")
    options = ("--versements-2014", str(fichier))
    return calculer(donnees, dossier / sortie_, *options, annee="2015")


def sortie(capsys) -> str:
    """Ce que la commande a écrit, espaces insécables (milliers, avant « € ») en espaces."""
    return sortie_capturee(capsys).replace("\u00a0", " ")


def net(sortie: Path, identifiant: str) -> Decimal:
    livre = grand_livre(sortie / "resultats.csv")
    return livre.set_index("identifiant").loc[identifiant, "montant_net"]


def bloquantes(donnees) -> list[tuple[int | None, str | None]]:
    return [(a.ligne, a.colonne) for a in donnees.rapport.bloquantes]


# --- 1. cellules en erreur et formules sans valeur ---------------------------------------------


ERREURS_RECENTES = ("#SPILL!", "#CALC!", "#GETTING_DATA")  # calamine ne les lit pas


@pytest.mark.parametrize("erreur", ERREURS_XLSX)
def test_xlsx_cellule_en_erreur_refusee_pas_lue_vide(tmp_path, erreur):
    """Avant : « #N/A » dans sorties_emploi_durable comptait 0 (13 901,57 € -> 9 504,79 €)."""
    chemin = xlsx_avec_erreur(tmp_path / "d.xlsx", {(0, "sorties_emploi_durable"): erreur})
    assert b't="e"' in zipfile.ZipFile(chemin).read("xl/worksheets/sheet1.xml")
    if erreur in ERREURS_RECENTES:  # tout le fichier est refusé, la cellule nommée
        with pytest.raises(ErreurEntree) as refus:
            lire_donnees(chemin, 2026)
        assert str(refus.value).startswith(
            "d.xlsx, feuille « Données » : 1 cellule(s) en erreur d'Excel"
        )
        assert f"  - S2 : {erreur}" in str(refus.value)
        return
    lues = lire_donnees(chemin, 2026)
    assert bloquantes(lues) == [(2, "sorties_emploi_durable")]
    (anomalie,) = lues.rapport.bloquantes
    assert anomalie.feuille == "Données" and anomalie.valeur == erreur
    assert f"« {erreur} » est une erreur d'Excel" in anomalie.message
    assert "Corrigez la formule ou saisissez la valeur" in anomalie.message
    assert PREMIERE not in set(lues.table["identifiant"])
    assert len(lues.table) == STRUCTURES - 1


@pytest.mark.parametrize(
    ("nom", "erreur"),
    [
        ("nb_beneficiaires_minima", "#VALUE!"),  # « publics » non calculable, faux motif
        ("montant_socle", "#DIV/0!"),  # socle recalculé en silence depuis les ETP
        ("raison_sociale", "#N/A"),  # nom d'une lettre
        ("siret", "#REF!"),
        ("type", "#NAME?"),
        ("milieu_penitentiaire", "#N/A"),
    ],
)
def test_xlsx_erreur_refusee_dans_toute_colonne(tmp_path, nom, erreur):
    lues = lire_donnees(xlsx_avec_erreur(tmp_path / "d.xlsx", {(0, nom): erreur}), 2026)
    assert (2, nom) in bloquantes(lues)
    assert PREMIERE not in set(lues.table["identifiant"])


def test_calculer_refuse_na_au_lieu_de_payer_9504_79(tmp_path, capsys):
    donnees = xlsx_avec_erreur(tmp_path / "d.xlsx", {(0, "sorties_emploi_durable"): "#N/A"})
    assert calculer(donnees, tmp_path / "s") == 2
    texte = sortie(capsys)
    assert (
        "d.xlsx, feuille « Données », ligne 2, colonne « sorties_emploi_durable » : « #N/A » "
        "est une erreur d'Excel"
    ) in texte
    assert not (tmp_path / "s" / "resultats.csv").exists()
    rapport = pd.read_excel(
        tmp_path / "s" / "anomalies.xlsx", engine="openpyxl", keep_default_na=False
    )
    assert rapport[["Ligne", "Colonne", "Valeur"]].values.tolist() == [
        [2, "sorties_emploi_durable", "#N/A"]
    ]


def test_xlsx_formule_sans_valeur_refuse_le_fichier(tmp_path, capsys):
    """openpyxl écrit une formule sans la calculer : sa valeur est inconnue."""
    livre = openpyxl.Workbook()
    feuille = livre.active
    feuille.title = "Données"
    feuille.append(COLONNES_DONNEES)
    for valeurs in lignes_demo():
        feuille.append(valeurs)
    feuille.cell(row=2, column=colonne("montant_socle") + 1, value="=215528.21*1")
    chemin = tmp_path / "formules.xlsx"
    livre.save(chemin)
    with pytest.raises(ErreurEntree) as refus:
        lire_donnees(chemin, 2026)
    message = str(refus.value)
    assert "formules.xlsx, feuille « Données » : 1 formule(s) sans valeur calculée" in message
    assert "L2 (colonne « montant_socle ») : =215528.21*1" in message
    assert "Collage spécial › Valeurs" in message
    assert calculer(chemin, tmp_path / "s") == 2
    assert "Traceback" not in sortie(capsys)


@pytest.mark.parametrize("erreur", ERREURS_CSV_FRANCAIS)
@pytest.mark.parametrize("nom", ["sorties_emploi_durable", "montant_socle", "raison_sociale"])
def test_csv_valeur_d_erreur_francaise_refusee(tmp_path, erreur, nom):
    lues = lire_donnees(csv_demo(tmp_path / "d.csv", {(0, nom): erreur}), 2026)
    assert bloquantes(lues) == [(2, nom)]
    assert PREMIERE not in set(lues.table["identifiant"])


def test_csv_erreur_dans_une_colonne_ignoree_est_signalee_pas_bloquante(tmp_path):
    chemin = tmp_path / "d.csv"
    lignes = [COLONNES_DONNEES + ["commentaire"]] + [v + [""] for v in lignes_demo()]
    lignes[1][-1] = "#N/A"
    chemin.write_text("\n".join(";".join(r) for r in lignes) + "\n", encoding="utf-8")
    lues = lire_donnees(chemin, 2026)
    assert lues.rapport.est_valide and len(lues.table) == STRUCTURES
    (remarque,) = [a for a in lues.rapport.anomalies if a.ligne == 2]
    assert (remarque.colonne, remarque.bloquante) == ("commentaire", False)
    assert "colonne ignorée pour le calcul" in remarque.message


def test_enveloppe_et_versement_en_erreur_refuses(tmp_path, capsys):
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;#N/A\n", encoding="utf-8")
    assert calculer(DONNEES, tmp_path / "s", "--enveloppes", str(enveloppes)) == 2
    assert "colonne « enveloppe » : « #N/A » est une erreur d'Excel" in sortie(capsys)
    assert calculer_2015(tmp_path, f"{PREMIERE};#DIV/0!;10;8\n#N/A;100;10;8\n", "v") == 2
    texte = sortie(capsys)
    assert "ligne 2, colonne « montant_verse_2014 » : « #DIV/0! » est une erreur" in texte
    assert "ligne 3, colonne « identifiant » : « #N/A » est une erreur" in texte


def export_modifie(chemin: Path, cellule: str, valeur: object) -> Path:
    """L'export extranet ACI de démonstration, une cellule remplacée (ligne 5 : ACI051230010 ;
    O : « Montant total de l'aide au poste », P : cofinancement, C : raison sociale)."""
    livre = openpyxl.load_workbook(EXPORT_ACI)
    livre.active[cellule] = valeur
    livre.save(chemin)
    return chemin


def annexe5(export: Path, sortie: Path) -> int:
    commande = ["annexe5", str(export), "--mesure", "ACI", "--annee", "2026"]
    return main([*commande, "--taux-forfaitaire", "5", "--sans-pdf", "--sortie", str(sortie)])


@pytest.mark.parametrize(
    ("cellule", "entete"),
    [
        ("O5", "Montant total de l'aide au poste"),
        ("P5", "Dont cofinancé par le conseil général"),
        ("C5", "Raison sociale"),
        ("F5", "N° annexe financière"),
    ],
)
def test_export_extranet_cellule_en_erreur_refusee(tmp_path, capsys, cellule, entete):
    export = export_modifie(tmp_path / "ACI.xlsx", cellule, "#N/A")
    assert annexe5(export, tmp_path / "s") == 2
    texte = sortie(capsys)
    assert f"ligne 5, colonne « {entete} » : « #N/A » est une erreur d'Excel" in texte
    assert not (tmp_path / "s").exists()


def ajouter_erreur_dans_le_classeur(chemin: Path, reference: str, erreur: str) -> None:
    """Remplace une cellule de « Données SIAE » par une cellule en erreur, comme Excel
    l'enregistre (le XML de la feuille, rien d'autre)."""
    partie = ClasseurFichier(chemin)._parties_feuilles[contrat.DONNEES]
    parties = paquet.lire_parties(chemin.read_bytes())
    xml, remplacees = re.subn(
        rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)'.encode(),
        f'<c r="{reference}" t="e"><f>NA()</f><v>{erreur}</v></c>'.encode(),
        parties[partie],
        count=1,
    )
    assert remplacees == 1
    parties[partie] = xml
    chemin.write_bytes(paquet.ecrire_archive(parties, niveau=1))


def test_classeur_verifier_et_calculer_refusent_la_cellule_en_erreur(tmp_path):
    copie = classeur_de_campagne(tmp_path / "campagne.xlsm")
    ajouter_erreur_dans_le_classeur(copie, "S2", "#N/A")  # S : sorties_emploi_durable
    classeur = ClasseurFichier(copie)
    assert classeur.lire_feuille(contrat.DONNEES)[1][18] == "#N/A"  # lue, pas vide
    verification = macros.verifier_donnees(classeur)
    assert verification.code == macros.CODE_DONNEES_INVALIDES
    lignes = list(openpyxl.load_workbook(copie)[contrat.VERIFICATION].iter_rows(values_only=True))
    problemes = [ligne for ligne in lignes if ligne and ligne[0] == 2]
    assert [(p[1], p[2], p[4]) for p in problemes] == [
        ("sorties_emploi_durable", "#N/A", "bloquant")
    ]
    calcul = macros.calculer_modulation(ClasseurFichier(copie))
    assert calcul.code != 0
    assert "ligne 2, colonne « sorties_emploi_durable » : « #N/A »" in calcul.message


def test_fonctions_de_feuille_refusent_un_argument_en_erreur():
    """Avec err_to_str, xlwings donne « #N/A » au lieu de None (lu « non calculable »)."""
    assert IAE_PUBLICS("#N/A", 22).startswith("#IAE : un argument est une erreur d'Excel")
    assert IAE_EFFORT(3.46, "#DIV/0!").startswith("#IAE : un argument est une erreur")
    plage = [0.4545, "#N/A", 0.5]
    assert MODULATION(0.4545, 0.4, 0.7, plage, [0.4], [0.7]).startswith("#IAE :")
    table = [COLONNES_DONNEES, *lignes_demo()]
    table[1][colonne("sorties_emploi_durable")] = "#N/A"
    with pytest.raises(DonneesInvalides, match="colonne « sorties_emploi_durable » : « #N/A »"):
        resultats_du_tableau(table, 2026, "rang")


# --- 2. séparateurs ambigus, effectifs entiers, ETP --------------------------------------------


def test_enveloppe_295_point_600_refusee_295_600_acceptee(tmp_path, capsys):
    """Avant : 295,60 € d'enveloppe, 41 montants pour 295,41 € au total."""
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;295.600\n", encoding="utf-8")
    assert calculer(DONNEES, tmp_path / "s", "--enveloppes", str(enveloppes)) == 2
    texte = sortie(capsys)
    assert "« 295.600 » : un montant en euros n'a jamais trois décimales" in texte
    assert "écrivez « 295600 » ou « 295 600 »" in texte
    enveloppes.write_text("region;enveloppe\nGrand Est;295 600\n", encoding="utf-8")
    assert calculer(DONNEES, tmp_path / "t", "--enveloppes", str(enveloppes)) == 0
    assert "Enveloppe Grand Est : 295 600,00 €" in sortie(capsys)
    livre = grand_livre(tmp_path / "t" / "resultats.csv")
    # lue 295 600 € : chaque montant réduit est arrondi au centime inférieur, le total reste à
    # moins d'un centime par structure sous l'enveloppe (lue 295,60 €, il en était à 295,41 €)
    total = sum(livre["montant_module"])
    assert Decimal("295600") - Decimal("0.01") * STRUCTURES <= total <= Decimal("295600")


def test_versement_9_point_600_refuse_9600_lu(tmp_path, capsys):
    """Avant : 9,60 € (1 438,56 € versés en trop)."""
    assert calculer_2015(tmp_path, f"{PREMIERE};9.600;10;8,5\n") == 2
    assert "« 9.600 » : un montant en euros n'a jamais trois décimales" in sortie(capsys)
    assert calculer_2015(tmp_path, f"{PREMIERE};9600;10;8,5\n", "t") == 0
    livre = grand_livre(tmp_path / "t" / "resultats.csv").set_index("identifiant")
    assert livre.loc[PREMIERE, "montant_verse_2014"] == Decimal("9600.00")
    # 9 600 × (10 − 8,5) / 10 = 1 440,00 € déduits
    assert livre.loc[PREMIERE, "regularisation"] == Decimal("1440.00")


@pytest.mark.parametrize(
    ("nom", "texte", "lu"),
    [
        ("montant_socle", "215.528", None),  # 215,53 € : refusé
        ("montant_socle", "215 528", Decimal("215528")),
        ("montant_socle", "215.528,21", Decimal("215528.21")),
        ("montant_socle", "215528,215", None),  # trois décimales
        ("dont_cofinancement_cd", "39.256", None),
        ("nb_salaries_insertion", "22,5", None),  # effectif fractionnaire
        ("nb_salaries_insertion", "22.000", None),  # 22 ou 22 000 ?
        ("nb_salaries_insertion", "22,0", Decimal("22")),
        ("sorties_totales", "10.5", None),
        ("etp_insertion", "8.580", Decimal("8.58")),  # ETP : le point est décimal
        ("etp_insertion", "8,58", Decimal("8.58")),
        ("etp_conventionnes", "1500", None),  # plus de 1 000 ETP : impossible
        ("montant_socle", "-0", Decimal("0")),
        ("montant_socle", "-0,00", Decimal("0")),
    ],
)
def test_valeur_lue_ou_refusee(tmp_path, nom, texte, lu):
    modifications = {(0, nom): texte}
    if nom == "montant_socle":  # le cofinancement ne peut pas dépasser le socle
        modifications[(0, "dont_cofinancement_cd")] = "0"
    lues = lire_donnees(csv_demo(tmp_path / "d.csv", modifications), 2026)
    ligne = lues.table[lues.table["identifiant"] == PREMIERE]
    if lu is None:
        assert ligne.empty and (2, nom) in bloquantes(lues)
    else:
        assert ligne[nom].tolist() == [lu]
        assert str(ligne[nom].iloc[0]).startswith("-") is False


def test_socle_moins_zero_ecrit_zero_dans_le_grand_livre(tmp_path):
    """Avant : « -0 » arrivait au grand livre en « -0,00 », que l'outil refusait ensuite."""
    donnees = donnees_avec(
        tmp_path / "d.csv", {("montant_socle", 0): "-0", ("dont_cofinancement_cd", 0): "-0,00"}
    )
    assert calculer(donnees, tmp_path / "s") == 0
    texte = (tmp_path / "s" / "resultats.csv").read_text(encoding="utf-8-sig")
    premiere = next(ligne for ligne in texte.splitlines() if ligne.startswith(PREMIERE))
    # aucune cellule « -0… » (le nom de la méthode par défaut cite la note n° 2014-04)
    assert ";0,00;0,00;" in premiere and not any(c.startswith("-0") for c in premiere.split(";"))
    assert net(tmp_path / "s", PREMIERE) == Decimal("0.00")


def test_export_montant_ambigu_refuse(tmp_path, capsys):
    export = export_modifie(tmp_path / "ACI.xlsx", "O5", "215.528")
    assert annexe5(export, tmp_path / "s") == 2
    assert "« 215.528 » : un montant en euros n'a jamais trois décimales" in sortie(capsys)


def test_fluxiae_montant_ambigu_refuse(tmp_path, capsys):
    flux = fluxiae(tmp_path / "flux.csv", [LIGNE_FLUX.replace("182888.12", "182.888")])
    commande = ["annexe5", str(flux), "--mesure", "ACI", "--annee", "2021", "--sans-pdf"]
    code = main([*commande, "--taux-forfaitaire", "5", "--sortie", str(tmp_path / "s")])
    assert code == 2
    assert "af_montant_total_annuel : « 182.888 » : un montant en euros" in sortie(capsys)


def test_fluxiae_ligne_decalee_refusee(tmp_path, capsys):
    """Un « | » dans une valeur : les champs suivants sont décalés ; la ligne est refusée (avant :
    lue, montant pris dans la colonne voisine)."""
    flux = fluxiae(tmp_path / "flux.csv", [LIGNE_FLUX.replace("|8.86|", "|8|86|")])
    commande = ["annexe5", str(flux), "--mesure", "ACI", "--annee", "2021", "--sans-pdf"]
    code = main([*commande, "--taux-forfaitaire", "5", "--sortie", str(tmp_path / "s")])
    assert code == 2
    assert "flux.csv, ligne 3 : 14 champs pour 13 colonnes d'en-tête" in sortie(capsys)
    assert not (tmp_path / "s").exists()


# --- 3. CSV séparé par des virgules, colonne inconnue ------------------------------------------


def test_csv_virgules_avec_virgule_decimale_en_derniere_colonne_refuse(tmp_path, capsys):
    """Avant : « 8,58 » en dernière colonne lu 8 (219,84 € de moins, code 0)."""
    en_tetes = [c for c in COLONNES_DONNEES if c != "etp_insertion"] + ["etp_insertion"]
    lignes = [dict(zip(COLONNES_DONNEES, v, strict=True)) for v in lignes_demo()]
    texte = "\n".join(
        [",".join(en_tetes)]
        + [
            ",".join(ligne[c].replace(",", ".") for c in en_tetes[:-1])
            + ","
            + ligne["etp_insertion"]
            for ligne in lignes
        ]
    )
    chemin = tmp_path / "virgules.csv"
    chemin.write_text(texte + "\n", encoding="utf-8")
    lues = lire_donnees(chemin, 2026)
    assert lues.table.empty
    (fichier,) = [a for a in lues.rapport.bloquantes if a.ligne is None]
    assert "séparé par des virgules" in fichier.message
    assert "« CSV (séparateur : point-virgule) »" in fichier.message
    deux = [a for a in lues.rapport.anomalies if a.ligne == 2]
    assert [a.message.split(" :")[0] for a in deux] == [
        "31 cellules remplies pour 30 colonnes d'en-tête"
    ]
    assert calculer(chemin, tmp_path / "s") == 2


def test_csv_virgules_sans_decimales_lu_exactement(tmp_path):
    """Un fichier séparé par des virgules reste accepté quand ses nombres sont entiers ou
    écrits avec un point : les valeurs lues sont celles du fichier."""
    lignes = lignes_demo()[:3]
    for ligne in lignes:
        for j, valeur in enumerate(ligne):
            ligne[j] = valeur.replace(",", ".")
    chemin = tmp_path / "virgules.csv"
    chemin.write_text(
        "\n".join(",".join(r) for r in [COLONNES_DONNEES, *lignes]) + "\n", encoding="utf-8"
    )
    lues = lire_donnees(chemin, 2026)
    assert lues.rapport.est_valide
    assert lues.table["etp_insertion"].tolist() == [
        Decimal("8.58"),
        Decimal("8.00"),
        Decimal(lignes[2][colonne("etp_insertion")]),
    ]
    assert lues.table["montant_socle"].tolist()[0] == Decimal("215528.21")


def test_ligne_courte_lue_comme_excel_l_ecrit_ou_signalee(tmp_path):
    """Excel omet les derniers séparateurs des cellules vides de fin : la ligne est lue. Une
    ligne courte parce qu'un séparateur manque au milieu est refusée avec l'explication."""
    lignes = lignes_demo()[:3]
    # sorties_positives, pénitentiaire et publics particuliers vides
    courte = lignes[1][: colonne("sorties_positives")]
    cassee = lignes[2][:4] + lignes[2][5:]  # code postal perdu : valeurs décalées à gauche
    textes = [";".join(COLONNES_DONNEES), ";".join(lignes[0]), ";".join(courte), ";".join(cassee)]
    chemin = tmp_path / "d.csv"
    chemin.write_text("\n".join(textes) + "\n", encoding="utf-8")
    lues = lire_donnees(chemin, 2026)
    assert lues.table["ligne_source"].tolist() == [2, 3]
    assert lues.table["sorties_positives"].tolist()[1] is None
    messages = [a.message for a in lues.rapport.bloquantes if a.ligne == 4]
    assert any("n'a que 29 cellules pour 30 colonnes" in m for m in messages)


def test_colonne_inconnue_ecrite_dans_le_resume_du_calcul(tmp_path, capsys):
    chemin = tmp_path / "d.csv"
    entete, *reste = DONNEES.read_text(encoding="utf-8-sig").splitlines()
    chemin.write_text(
        "\n".join([entete + ";montant_socel"] + [ligne + ";1" for ligne in reste]) + "\n",
        encoding="utf-8",
    )
    assert calculer(chemin, tmp_path / "s") == 0
    assert (
        "Remarque : (avertissement) d.csv, colonne « montant_socel » : colonne non reconnue : "
        "ignorée pour le calcul."
    ) in sortie(capsys)


def test_colonne_inconnue_dans_le_journal_du_classeur(tmp_path):
    copie = classeur_de_campagne(tmp_path / "campagne.xlsm")
    classeur = ClasseurFichier(copie)
    donnees = classeur.lire_feuille(contrat.DONNEES)
    largeur = len(donnees[0])
    classeur.ecrire_lignes(
        contrat.DONNEES, 1, [[*donnees[0], "Montant socel"], *(r + [None] for r in donnees[1:])]
    )
    classeur.enregistrer()
    assert largeur == 30
    resultat = macros.calculer_modulation(ClasseurFichier(copie))
    assert resultat.code == 0, resultat.message
    journal = list(openpyxl.load_workbook(copie)[contrat.JOURNAL].iter_rows(values_only=True))
    assert "colonne « Montant socel » : colonne non reconnue" in journal[-1][4]


# --- 4. vraisemblance ------------------------------------------------------------------------


def test_etp_insertion_minuscule_refuse_pas_classe_premier(tmp_path, capsys):
    """Avant : 0,0001 ETP en insertion, effort de 3 460 000 %, classée première."""
    donnees = donnees_avec(tmp_path / "d.csv", {("etp_insertion", 0): "0,0001"})
    assert calculer(donnees, tmp_path / "s") == 2
    texte = sortie(capsys)
    assert (
        "d.csv, ligne 2, colonne « etp_insertion » : effort d'insertion impossible : 3,46 ETP "
        "d'encadrement pour 0,0001 ETP en insertion"
    ) in texte


def test_effort_eleve_remarque_dans_le_resume_et_le_grand_livre(tmp_path, capsys):
    donnees = donnees_avec(tmp_path / "d.csv", {("etp_insertion", 0): "2"})  # 3,46 / 2
    assert calculer(donnees, tmp_path / "s") == 0
    assert "effort d'insertion élevé : 3,46 ETP d'encadrement pour 2 ETP" in sortie(capsys)
    livre = grand_livre(tmp_path / "s" / "resultats.csv").set_index("identifiant")
    assert "effort d'insertion élevé" in livre.loc[PREMIERE, "anomalies"]


def test_500_sorties_pour_22_salaries_refusees_25_signalees(tmp_path, capsys):
    donnees = donnees_avec(tmp_path / "d.csv", {("sorties_totales", 0): "500"})
    assert calculer(donnees, tmp_path / "s") == 2
    assert "sorties impossibles : 500 sorties pour 22 salariés" in sortie(capsys)
    donnees = donnees_avec(tmp_path / "e.csv", {("sorties_totales", 0): "25"})
    assert calculer(donnees, tmp_path / "t") == 0
    assert "sorties plus nombreuses que les salariés : 25 sorties pour 22" in sortie(capsys)
    livre = grand_livre(tmp_path / "t" / "resultats.csv").set_index("identifiant")
    assert "sorties plus nombreuses que les salariés" in livre.loc[PREMIERE, "anomalies"]


def test_cofinancement_superieur_au_socle_refuse(tmp_path):
    lues = lire_donnees(
        csv_demo(tmp_path / "d.csv", {(0, "dont_cofinancement_cd"): "300000"}), 2026
    )
    assert bloquantes(lues) == [(2, "dont_cofinancement_cd")]


@pytest.mark.parametrize(
    ("siret", "remarque"),
    [("46270107900017", True), ("46270107900016", False), ("35600000052135", False)],
)
def test_cle_du_siret(tmp_path, siret, remarque):
    """Luhn ; La Poste (SIREN 356 000 000) : somme des chiffres multiple de 5 (35600000052135
    ne passe pas Luhn mais est un SIRET de La Poste bien formé)."""
    lues = lire_donnees(csv_demo(tmp_path / "d.csv", {(0, "siret"): siret}), 2026)
    assert lues.rapport.est_valide and PREMIERE in set(lues.table["identifiant"])
    cles = [a for a in lues.rapport.anomalies if "clé du SIRET fausse" in a.message]
    assert [(a.ligne, a.bloquante) for a in cles] == ([(2, False)] if remarque else [])


def test_enveloppe_mille_fois_trop_petite_refusee_dix_fois_signalee(tmp_path, capsys):
    """5 % des socles du Grand Est de la démonstration : plus de 300 000 €."""
    donnees = demo_hors_detention(tmp_path / "d.csv")
    enveloppes = tmp_path / "enveloppes.csv"
    enveloppes.write_text("region;enveloppe\nGrand Est;2956\n", encoding="utf-8")
    assert calculer(donnees, tmp_path / "s", "--enveloppes", str(enveloppes)) == 2
    assert "enveloppe invraisemblable : 2 956,00 € pour la région Grand Est" in sortie(capsys)
    enveloppes.write_text("region;enveloppe\nGrand Est;29560\n", encoding="utf-8")
    assert calculer(donnees, tmp_path / "t", "--enveloppes", str(enveloppes)) == 0
    assert "enveloppe très faible : 29 560,00 € pour la région Grand Est" in sortie(capsys)


def test_socle_eloigne_des_etp_ecrit_dans_le_resume(tmp_path, capsys):
    """Dix fois moins que ETP × socle par ETP (215 528,21 €) : une remarque, à la borne."""
    donnees = donnees_avec(
        tmp_path / "d.csv", {("montant_socle", 0): "21552,83", ("dont_cofinancement_cd", 0): "0"}
    )
    assert calculer(donnees, tmp_path / "s") == 0
    assert "montant socle de 21 552,83 € éloigné de 9,01 ETP" in sortie(capsys)


@pytest.mark.parametrize(
    ("saisi", "lu", "sens"),
    [
        ("21552,82", "21 552,82", "inférieur"),  # juste sous le dixième
        ("2155,28", "2 155,28", "inférieur"),  # cent fois moins
        ("2155282,11", "2 155 282,11", "supérieur"),  # juste au-delà de dix fois
        ("21552821", "21 552 821,00", "supérieur"),  # centimes saisis sans virgule
    ],
)
def test_socle_a_plus_de_dix_fois_des_etp_refuse(tmp_path, capsys, saisi, lu, sens):
    """Avant : « 21552821 » pour 215 528,21 € n'était qu'une remarque et les 40 montants de la
    région changeaient (le socle de 9,01 ETP × 23 921 € pris cent fois)."""
    donnees = donnees_avec(
        tmp_path / "d.csv", {("montant_socle", 0): saisi, ("dont_cofinancement_cd", 0): "0"}
    )
    assert calculer(donnees, tmp_path / "s") == 2
    assert (
        f"d.csv, ligne 2, colonne « montant_socle » : ACI051230010 : montant socle de {lu} € "
        f"impossible, plus de 10 fois {sens} à 9,01 ETP × 23 921 € par ETP = 215 528,21 € : "
        "vérifiez le montant (centimes sans virgule ? point des milliers ?) et les ETP "
        "conventionnés de l'annexe."
    ) in sortie(capsys)
    assert not (tmp_path / "s" / "resultats.csv").exists()


# --- 5. identifiants normalisés ------------------------------------------------------------------


@pytest.mark.parametrize("autre", ["aci051230010", "ACI 051230010", " aci 0512 30010 "])
def test_identifiant_en_double_a_la_casse_et_aux_espaces_pres(tmp_path, autre):
    """Avant : deux structures dans calculer, une ailleurs : un fantôme prenait une part de
    l'enveloppe."""
    lues = lire_donnees(csv_demo(tmp_path / "d.csv", {(1, "identifiant"): autre}), 2026)
    assert bloquantes(lues) == [(2, "identifiant"), (3, "identifiant")]
    assert "majuscules et espaces ne comptent pas" in lues.rapport.bloquantes[1].message
    assert "aussi ligne 2" in lues.rapport.bloquantes[1].message


def test_identifiant_normalise_dans_le_grand_livre_et_les_versements(tmp_path):
    versements = "Aci051230010;9600,00;10;8\n"
    assert calculer_2015(tmp_path, versements, identifiant="aci 051230010") == 0
    livre = grand_livre(tmp_path / "s" / "resultats.csv").set_index("identifiant")
    assert PREMIERE in livre.index
    assert livre.loc[PREMIERE, "regularisation"] == Decimal("1920.00")  # 9 600 × 2 / 10


def test_versement_en_double_a_la_casse_pres(tmp_path, capsys):
    versements = f"{PREMIERE};9600,00;10;8\naci 051230010;100,00;10;8\n"
    assert calculer_2015(tmp_path, versements) == 2
    assert f"« {PREMIERE} » figure deux fois" in sortie(capsys)


# --- 7. mise en page ---------------------------------------------------------------------------


def test_ligne_de_titre_au_dessus_de_l_en_tete_csv_et_xlsx(tmp_path):
    titre = "Données SIAE 2025 — DDETS Marne"
    chemin = tmp_path / "d.csv"
    chemin.write_text(f"{titre};;\n\n" + DONNEES.read_text(encoding="utf-8-sig"), encoding="utf-8")
    lues = lire_donnees(chemin, 2026)
    assert lues.rapport.est_valide and len(lues.table) == STRUCTURES
    assert lues.table["ligne_source"].tolist()[0] == 4
    assert lues.table["montant_socle"].tolist()[0] == Decimal("215528.21")
    (remarque,) = lues.rapport.anomalies
    assert "les noms de colonnes sont en ligne 3" in remarque.message
    assert titre in remarque.message and not remarque.bloquante
    classeur = tmp_path / "d.xlsx"
    with xlsxwriter.Workbook(str(classeur)) as livre:
        feuille = livre.add_worksheet("Données")
        feuille.write(0, 0, titre)
        feuille.write_row(2, 0, COLONNES_DONNEES)
        for rang, valeurs in enumerate(lignes_demo(), start=3):
            feuille.write_row(rang, 0, valeurs)
    lues = lire_donnees(classeur, 2026)
    assert lues.rapport.est_valide and lues.table["ligne_source"].tolist()[:2] == [4, 5]


def test_feuille_de_notice_en_premier_nommee_dans_un_seul_message(tmp_path, capsys):
    chemin = tmp_path / "d.xlsx"
    with xlsxwriter.Workbook(str(chemin)) as livre:
        notice = livre.add_worksheet("Notice")
        notice.write(0, 0, "Mode d'emploi : remplir la feuille suivante")
        feuille = livre.add_worksheet("Structures 2025")
        feuille.write_row(0, 0, COLONNES_DONNEES)
        for rang, valeurs in enumerate(lignes_demo(), start=1):
            feuille.write_row(rang, 0, valeurs)
    assert calculer(chemin, tmp_path / "s") == 2
    texte = sortie(capsys)
    assert "colonne obligatoire absente" not in texte
    assert "la première feuille, « Notice », n'a pas les colonnes des données" in texte
    assert "la feuille « Structures 2025 » les a" in texte


def test_classeur_de_l_outil_lu_dans_sa_feuille_donnees_siae(tmp_path):
    lues = lire_donnees(GABARIT, 2026)
    assert lues.feuille == contrat.DONNEES
    assert lues.rapport.est_valide and len(lues.table) == STRUCTURES


def test_cellules_stylees_vides_jusqu_en_bas_lues_normalement(tmp_path):
    """openpyxl écrit une cellule stylée vide en <c …></c> : elle ne remplit rien."""
    livre = openpyxl.Workbook()
    feuille = livre.active
    feuille.append(COLONNES_DONNEES)
    for valeurs in lignes_demo():
        feuille.append(valeurs)
    for numero in range(1, 23):
        feuille.cell(row=1048576, column=numero).fill = openpyxl.styles.PatternFill(
            "solid", fgColor="FFFF00"
        )
    chemin = tmp_path / "styles.xlsx"
    livre.save(chemin)
    assert b'r="A1048576"' in zipfile.ZipFile(chemin).read("xl/worksheets/sheet1.xml")
    lues = lire_donnees(chemin, 2026)
    assert lues.rapport.est_valide and len(lues.table) == STRUCTURES


def test_espace_en_bas_de_feuille_un_seul_message_qui_nomme_la_cellule(tmp_path):
    chemin = tmp_path / "espace.xlsx"
    with xlsxwriter.Workbook(str(chemin)) as livre:
        feuille = livre.add_worksheet("Données")
        feuille.write_row(0, 0, COLONNES_DONNEES)
        feuille.write_row(1, 0, lignes_demo()[0])
        feuille.write_string(1048575, 2, " ")
    with pytest.raises(ErreurEntree) as refus:
        lire_table(chemin)
    assert "la cellule C1048576 a une valeur ou une formule" in str(refus.value)
    assert "supprimez-les" in str(refus.value)


def test_aucune_colonne_reconnue_une_seule_anomalie(tmp_path):
    chemin = tmp_path / "d.csv"
    chemin.write_text("a;b;c\n1;2;3\n4;5;6\n", encoding="utf-8")
    lues = lire_donnees(chemin, 2026)
    (anomalie,) = lues.rapport.anomalies
    assert anomalie.message.startswith("aucun nom de colonne reconnu en ligne 1 (« a », « b »")


# --- 8. au hasard : la valeur lue est celle qu'on a écrite, ou la ligne est refusée ------------


def _francais(centimes: int, milliers: str, decimale: str, avec_centimes: bool) -> str:
    entier, reste = divmod(centimes, 100)
    chiffres = str(entier)
    if milliers:
        groupes = []
        while len(chiffres) > 3:
            chiffres, groupe = chiffres[:-3], chiffres[-3:]
            groupes.insert(0, groupe)
        chiffres = milliers.join([chiffres, *groupes])
    return chiffres + (f"{decimale}{reste:02d}" if avec_centimes else "")


FORMES = {  # (séparateur des milliers, séparateur décimal)
    "1234,56": ("", ","),
    "1 234,56": (" ", ","),
    "1\u00a0234,56": ("\u00a0", ","),
    "1.234,56": (".", ","),
    "1234.56": ("", "."),
    "1.234": (".", ""),  # milliers par des points, sans centimes : ambigu avec un seul point
}


def _table(valeurs: dict[str, str]) -> TableBrute:
    ligne = dict(zip(COLONNES_DONNEES, lignes_demo()[0], strict=True)) | valeurs
    table = pd.DataFrame([ligne], dtype=str)
    return TableBrute(table, Path("hasard.csv"), None, [2])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(centimes=st.integers(0, 10**11), forme=st.sampled_from(sorted(FORMES)))
def test_au_hasard_montant_lu_exactement_ou_refuse(centimes, forme):
    milliers, decimale = FORMES[forme]
    if not decimale:
        centimes -= centimes % 100
    texte = _francais(centimes, milliers, decimale, bool(decimale))
    lues = valider(_table({"montant_socle": texte, "dont_cofinancement_cd": ""}), 2026)
    voulu = Decimal(centimes) / 100
    un_seul_point = forme == "1.234" and texte.count(".") == 1
    if un_seul_point:  # « 295.600 » : 295,60 ou 295 600 ? refusé, jamais deviné
        assert lues.table.empty, texte
        assert "n'a jamais trois décimales" in lues.rapport.bloquantes[0].message
    else:
        assert lues.table["montant_socle"].tolist() == [voulu], texte


@settings(max_examples=100, deadline=None)
@given(
    personnes=st.integers(0, 5000),
    forme=st.sampled_from(["22", "22,0", "22.000", "2 200", "22,5", "22.5"]),
)
def test_au_hasard_effectif_entier_ou_refuse(personnes, forme):
    textes = {
        "22": str(personnes),
        "22,0": f"{personnes},0",
        "22.000": f"{personnes}.000",
        "2 200": _francais(personnes * 100, " ", "", False),
        "22,5": f"{personnes},5",
        "22.5": f"{personnes}.5",
    }
    texte = textes[forme]
    valeurs = {c: "" for c in COLONNES_DONNEES if c.startswith(("nb_", "sorties"))}
    valeurs["etp_insertion"] = "1"  # au plus deux ETP par salarié, même pour 1 salarié
    lues = valider(_table(valeurs | {"nb_salaries_insertion": texte}), 2026)
    # « 22.000 » : 22 ou 22 000 ? (« 1000.000 » n'est pas écrit en milliers : c'est 1 000)
    refuse = forme in ("22,5", "22.5") or (forme == "22.000" and 1 <= personnes <= 999)
    if refuse:
        assert lues.table.empty, texte
    else:
        assert lues.table["nb_salaries_insertion"].tolist() == [Decimal(personnes)], texte


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    nom=st.sampled_from(COLONNES_DONNEES),
    erreur=st.sampled_from(ERREURS_XLSX + ERREURS_CSV_FRANCAIS + ("Err:502",)),
)
def test_au_hasard_erreur_jamais_lue_comme_une_valeur(nom, erreur):
    lues = valider(_table({nom: erreur}), 2026)
    assert lues.table.empty, (nom, erreur)
    assert (2, nom) in bloquantes(lues)
