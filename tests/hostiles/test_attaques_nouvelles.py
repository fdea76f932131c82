"""Issue 14, attaques nouvelles (au-delà de la liste de l'issue) qui passaient en silence ou
finissaient en « erreur inattendue » : feuille masquée placée en premier, caractère invisible
dans un identifiant, ETP en insertion dont la virgule s'est perdue, nom de fichier qui n'est pas
de l'UTF-8, enveloppe « 295.600 » saisie dans la feuille « Paramètres » du classeur.

Montants de référence écrits à la main depuis l'issue 14 : avec les données de démonstration,
sans enveloppe, ACI051230010 reçoit 13 901,57 € en 2026.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from aides import classeur_de_campagne, empreinte, grand_livre, sortie_capturee
from fabrique import COLONNES_DONNEES, LIGNES_DONNEES, donnees_avec
from iae_modulation.cli import main
from iae_modulation.donnees import lire_donnees

PREMIERE = "ACI051230010"  # première structure des données de démonstration (ligne 2)
NET_PREMIERE_2026 = Decimal("13901.57")


def calculer(donnees: Path, sortie: Path) -> int:
    return main(["calculer", str(donnees), "--annee", "2026", "--sortie", str(sortie)])


def sortie(capsys) -> str:
    return sortie_capturee(capsys).replace("\u00a0", " ")


# --- feuille masquée ---------------------------------------------------------------------------


def _classeur(chemin: Path, feuilles: list[tuple[str, list[list[str]], bool]]) -> Path:
    """Un classeur : (nom, lignes, masquée) par feuille, dans l'ordre des onglets."""
    with xlsxwriter.Workbook(str(chemin), {"strings_to_numbers": False}) as livre:
        for nom, lignes, masquee in feuilles:
            feuille = livre.add_worksheet(nom)
            for rang, valeurs in enumerate(lignes):
                feuille.write_row(rang, 0, valeurs)
            if masquee:
                feuille.hide()
        # Excel n'enregistre jamais une feuille masquée comme active : la première visible l'est
        next(f for f in livre.worksheets() if not f.hidden).activate()
    return chemin


DEMO = [COLONNES_DONNEES, *(ligne.split(";") for ligne in LIGNES_DONNEES)]


def test_feuille_masquee_en_premier_jamais_lue_a_la_place_de_la_visible(tmp_path, capsys):
    """Avant : la feuille masquée « 2025 » (une seule structure, l'an dernier) était lue, les
    39 autres structures disparaissaient et ACI051230010 recevait 5 % de son socle, code 0."""
    ancienne = [COLONNES_DONNEES, LIGNES_DONNEES[0].split(";")]
    chemin = _classeur(tmp_path / "d.xlsx", [("2025", ancienne, True), ("Données", DEMO, False)])
    assert calculer(chemin, tmp_path / "s") == 0
    assert "40 structures calculées" in sortie(capsys)
    livre = grand_livre(tmp_path / "s" / "resultats.csv").set_index("identifiant")
    assert len(livre) == 40
    assert livre.loc[PREMIERE, "montant_net"] == NET_PREMIERE_2026


def test_donnees_dans_une_feuille_masquee_derriere_une_notice_nommees_comme_masquees(
    tmp_path, capsys
):
    notice = [["Mode d'emploi : remplir la feuille des données"]]
    chemin = _classeur(tmp_path / "d.xlsx", [("Notice", notice, False), ("Données", DEMO, True)])
    assert calculer(chemin, tmp_path / "s") == 2
    assert (
        "d.xlsx : la première feuille, « Notice », n'a pas les colonnes des données (identifiant, "
        "type, departement…), et c'est elle qui est lue ; la feuille « Données » (masquée) les "
        "a. Affichez-la (clic droit sur un onglet › Afficher…), puis placez la feuille des "
        "données en premier"
    ) in sortie(capsys)


# --- caractère invisible dans un identifiant ---------------------------------------------------


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\ufeff", "\u00ad", "\u2060"],
    ids=["espace sans chasse", "BOM", "trait d'union conditionnel", "gluon de mots"],
)
def test_identifiant_avec_caractere_invisible_est_un_doublon(tmp_path, invisible):
    """Avant : « ACI051230010 » suivi d'un U+200B (copié d'une page web) était une seconde
    structure : un fantôme qui prenait sa part de l'enveloppe, code 0."""
    donnees = donnees_avec(tmp_path / "d.csv", {("identifiant", 1): PREMIERE + invisible})
    lues = lire_donnees(donnees, 2026)
    doublons = [(a.ligne, a.colonne) for a in lues.rapport.bloquantes]
    assert doublons == [(2, "identifiant"), (3, "identifiant")]
    assert lues.rapport.bloquantes[1].message == (
        f"identifiant « {PREMIERE}{invisible} » en double (« {PREMIERE} » : majuscules et "
        "espaces ne comptent pas, ni les caractères invisibles) : aussi ligne 2."
    )


def test_identifiant_sans_son_caractere_invisible_dans_le_grand_livre(tmp_path):
    donnees = donnees_avec(tmp_path / "d.csv", {("identifiant", 0): PREMIERE + "\u200b"})
    assert calculer(donnees, tmp_path / "s") == 0
    livre = grand_livre(tmp_path / "s" / "resultats.csv").set_index("identifiant")
    assert livre.loc[PREMIERE, "montant_net"] == NET_PREMIERE_2026


# --- ETP en insertion : virgule perdue ---------------------------------------------------------


@pytest.mark.parametrize(("etp", "code"), [("44", 0), ("44,01", 2), ("80", 2)])
def test_etp_insertion_au_plus_deux_par_salarie(tmp_path, capsys, etp, code):
    """Avant : « 80 » pour 8,0 ETP (22 salariés) était lu tel quel, code 0 : l'effort de la
    structure et les 40 montants changeaient sans un mot. 2 × 22 = 44 : accepté ; au-delà,
    refusé."""
    donnees = donnees_avec(tmp_path / "d.csv", {("etp_insertion", 0): etp})
    assert calculer(donnees, tmp_path / "s") == code
    texte = sortie(capsys)
    message = (
        f"d.csv, ligne 2, colonne « etp_insertion » : ETP en insertion impossibles : {etp} ETP "
        "pour 22 salariés en insertion, plus de 2 ETP par salarié (un salarié fait au plus un "
        "ETP sur l'année ; virgule décimale perdue ?) ; vérifiez etp_insertion et "
        "nb_salaries_insertion."
    )
    assert (message in texte) == (code == 2)


# --- nom de fichier qui n'est pas de l'UTF-8 ---------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="noms toujours Unicode sous Windows")
@pytest.mark.parametrize("ou", ["donnees", "sortie"])
def test_nom_de_fichier_en_windows_1252_refuse_en_francais(tmp_path, capsys, ou):
    """Avant : « Erreur inattendue (UnicodeEncodeError …) », code 1, au moment d'écrire le
    manifeste ; les données venaient d'une clé USB (« données.csv » en Windows-1252)."""
    from aides import DONNEES

    octets = os.fsencode(tmp_path) + b"/donn\xe9es.csv"
    with open(octets, "wb") as fichier:
        fichier.write(DONNEES.read_bytes())
    latin = os.fsdecode(octets)  # « donn\udce9es.csv »
    if ou == "donnees":
        code = calculer(Path(latin), tmp_path / "s")
        cite = f"{tmp_path}/donn?es.csv"
    else:
        code = calculer(DONNEES, Path(os.fsdecode(os.fsencode(tmp_path) + b"/r\xe9sultats")))
        cite = f"{tmp_path}/r?sultats"
    assert code == 2
    assert sortie(capsys) == (
        f"« {cite} » : ce nom contient des caractères qui ne sont pas écrits en UTF-8 (à la "
        "place des « ? » : un accent enregistré dans un autre encodage, p. ex. par une clé USB "
        "ou un partage réseau), et l'outil ne peut pas le recopier dans ses résultats. Renommez "
        "le fichier ou le dossier (en retapant ses accents, ou sans accents), puis relancez.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [latin.rsplit("/", 1)[1]]


# --- enveloppe du classeur ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enveloppe", "message"),
    [
        (
            "295.600",
            "« 295.600 » : un montant en euros n'a jamais trois décimales, et le point ou la "
            "virgule y est lu comme séparateur décimal (ce serait 295,60 €). Pour 295 600,00 €, "
            "écrivez « 295600 » ou « 295 600 » (espace entre les milliers).",
        ),
        (
            "295600,001",
            "Un montant s'écrit au centime près (deux décimales au plus) : « 295600,001 » en a "
            "davantage ; arrondissez-le au centime (ARRONDI(…;2) dans Excel).",
        ),
    ],
)
def test_enveloppe_ambigue_du_classeur_refusee_classeur_intact(
    tmp_path, capsys, enveloppe, message
):
    """Avant : « 295.600 » passait la feuille « Paramètres » (lu 295,6), était refusé plus loin
    dans un fichier enveloppes-….csv que l'agent n'a jamais vu, et le classeur était réécrit
    avec le paramètre refusé, une feuille « Vérification » et une ligne « échec »."""
    classeur = classeur_de_campagne(tmp_path / "campagne.xlsm")
    avant = empreinte(classeur)
    options = ["--parametre", "region=Grand Est", "--parametre", f"enveloppe={enveloppe}"]
    assert main(["classeur", "executer", "calculer", str(classeur), *options]) == 2
    assert empreinte(classeur) == avant
    texte = sortie(capsys)
    assert f"Feuille « Paramètres », « Enveloppe régionale » : {message}" in texte
    assert "enveloppes-" not in texte


# --- colonne du montant socle mal nommée -------------------------------------------------------


def _donnees_renommees(chemin: Path, colonne: str, en_tete: str, socle: str) -> Path:
    """Les données de démonstration, l'en-tête `colonne` écrit `en_tete`, le montant socle de
    ACI051230010 mis à `socle`."""
    lignes = [ligne.split(";") for ligne in LIGNES_DONNEES]
    lignes[0][COLONNES_DONNEES.index("montant_socle")] = socle
    entete = [en_tete if c == colonne else c for c in COLONNES_DONNEES]
    chemin.write_text("\n".join(";".join(c) for c in [entete, *lignes]) + "\n", encoding="utf-8")
    return chemin


def test_montant_socle_sous_un_en_tete_non_reconnu_refuse(tmp_path, capsys):
    """Avant : « montant_socle (€) » était une colonne « non reconnue : ignorée », et les 40
    montants socles étaient recalculés avec les ETP (200 000 € donnés pour ACI051230010,
    215 528,21 € retenus), code 0."""
    donnees = _donnees_renommees(tmp_path / "d.csv", "montant_socle", "montant_socle (€)", "200000")
    assert calculer(donnees, tmp_path / "s") == 2
    assert (
        "d.csv, colonne « montant_socle (€) » : colonne non reconnue, refusée alors que la "
        "colonne « montant_socle » (Montant socle de l'aide au poste) manque. Si c'est elle, "
        "nommez-la « montant_socle » : ses valeurs ne seraient pas lues, et le montant en "
        "dépend. Sinon, donnez-lui un nom qui ne contient pas « montant_socle »."
    ) in sortie(capsys)


def test_en_tete_reconnu_lu_et_colonne_d_identite_mal_nommee_seulement_signalee(tmp_path, capsys):
    donnees = _donnees_renommees(tmp_path / "d.csv", "montant_socle", "Montant socle", "200000")
    assert calculer(donnees, tmp_path / "s") == 0
    livre = grand_livre(tmp_path / "s" / "resultats.csv").set_index("identifiant")
    assert livre.loc[PREMIERE, "montant_socle"] == Decimal("200000")
    capsys.readouterr()
    donnees = _donnees_renommees(tmp_path / "e.csv", "commune", "commune (INSEE)", "215528,21")
    assert calculer(donnees, tmp_path / "t") == 0
    assert (
        "e.csv, colonne « commune (INSEE) » : colonne non reconnue, ignorée alors que la "
        "colonne « commune » (Commune) manque. Si c'est elle, nommez-la « commune »."
    ) in sortie(capsys)
