"""Table canonique : colonnes reconnues, valeurs typées, chaque mauvaise entrée signalée avec son
fichier, sa ligne (CSV et Excel) et sa colonne, rapport d'anomalies lisible et exportable."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from aides import imprimable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iae_modulation.donnees import (
    COLONNES,
    NOMS_COLONNES,
    Anomalie,
    RapportValidation,
    colonnes_obligatoires,
    ecrire_anomalies_xlsx,
    lire_donnees,
    valider,
)
from iae_modulation.lecture import TableBrute
from iae_modulation.mise_en_page import unites
from iae_modulation.resultats import COLONNES_RESULTATS

BONNE_LIGNE = {
    "identifiant": "ACI051230010",
    "siret": "46270107900016",
    "raison_sociale": "Les Jardins",
    "adresse": "14 chemin des Maraîchers",
    "code_postal": "51100",
    "commune": "Reims",
    "type": "ACI",
    "departement": "51",
    "region": "Grand Est",
    "etp_conventionnes": "9,01",
    "etp_realises": "8,58",
    "montant_socle": "215 528,21",
    "dont_cofinancement_cd": "39256,86",
    "nb_salaries_insertion": "22",
    "nb_beneficiaires_minima": "10",
    "etp_encadrement": "3,46",
    "etp_insertion": "8,58",
    "sorties_totales": "10",
    "sorties_emploi_durable": "3",
    "sorties_emploi_transition": "2",
    "sorties_positives": "2",
    "milieu_penitentiaire": "non",
}
FORMATS = ("csv", "xlsx")
LIGNES_VIDES_AU_DESSUS = 2  # dans le classeur de test, l'en-tête est en ligne Excel 3


def structure(rang: int, **modifications: str) -> dict[str, str]:
    return BONNE_LIGNE | {"identifiant": f"ACI0512300{rang:02d}"} | modifications


def ecrire(
    dossier: Path,
    format_: str,
    lignes: list[dict[str, str]],
    en_tetes: list[str] | None = None,
) -> Path:
    """CSV `;` UTF-8, ou classeur « Données SIAE » (en-tête en ligne 3, nombres en cellules
    numériques comme dans un vrai classeur)."""
    en_tetes = list(NOMS_COLONNES) if en_tetes is None else en_tetes
    rangees = [[ligne.get(c, "") for c in en_tetes] for ligne in lignes]
    if format_ == "csv":
        chemin = dossier / "donnees.csv"
        texte = "\n".join(";".join(r) for r in [en_tetes, *rangees]) + "\n"
        chemin.write_text(texte, encoding="utf-8")
        return chemin
    chemin = dossier / "donnees.xlsx"
    with xlsxwriter.Workbook(str(chemin), {"strings_to_numbers": False}) as classeur:
        feuille = classeur.add_worksheet("Données SIAE")
        for i, rangee in enumerate([en_tetes, *rangees]):
            for j, valeur in enumerate(rangee):
                ligne = LIGNES_VIDES_AU_DESSUS + i
                numerique = (
                    i > 0
                    and re.fullmatch(r"-?\d+(,\d+)?", valeur)
                    and en_tetes[j] not in ("siret", "code_postal", "departement")
                )
                if numerique:
                    feuille.write_number(ligne, j, Decimal(valeur.replace(",", ".")))
                elif valeur:
                    feuille.write_string(ligne, j, valeur)
    return chemin


def numero(format_: str, rang: int) -> int:
    """Ligne vue par l'utilisateur de la `rang`-ième ligne de données (0 = première)."""
    return rang + 2 if format_ == "csv" else rang + 2 + LIGNES_VIDES_AU_DESSUS


def lire(tmp_path, format_, lignes, annee=2026, en_tetes=None):
    return lire_donnees(ecrire(tmp_path, format_, lignes, en_tetes), annee)


def seule_anomalie(donnees) -> Anomalie:
    assert len(donnees.rapport.anomalies) == 1, donnees.rapport.texte()
    return donnees.rapport.anomalies[0]


def lieu(format_: str) -> str:
    return "donnees.csv" if format_ == "csv" else "donnees.xlsx, feuille « Données SIAE »"


# --- Une mauvaise valeur = une anomalie, avec sa ligne et sa colonne ----------------------


@pytest.mark.parametrize("format_", FORMATS)
def test_type_inconnu(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1), structure(2, type="EIX")])
    anomalie = seule_anomalie(donnees)
    ligne = numero(format_, 1)
    assert (anomalie.ligne, anomalie.colonne, anomalie.valeur) == (ligne, "type", "EIX")
    assert anomalie.bloquante
    assert anomalie.texte() == (
        f"{lieu(format_)}, ligne {ligne}, colonne « type » : "
        "« EIX » n'est pas un type de SIAE (EI, ETTI, AI, ACI, EITI)."
    )
    assert donnees.table["ligne_source"].tolist() == [numero(format_, 0)]
    assert donnees.lignes_rejetees == [ligne]


@pytest.mark.parametrize("format_", FORMATS)
def test_departement_inconnu(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1, departement="99")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne) == (numero(format_, 0), "departement")
    assert anomalie.message == (
        "« 99 » n'est pas un code de département (01 à 95, 2A, 2B, 971 à 976)."
    )
    assert donnees.table.empty


@pytest.mark.parametrize(
    ("colonne", "libelle"),
    [
        ("identifiant", "N° d'annexe financière"),
        ("type", "Type de SIAE"),
        ("departement", "Département"),
    ],
)
@pytest.mark.parametrize("format_", FORMATS)
def test_valeur_obligatoire_vide(tmp_path, format_, colonne, libelle):
    donnees = lire(tmp_path, format_, [structure(1), structure(2, **{colonne: ""})])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne) == (numero(format_, 1), colonne)
    assert anomalie.message == f"valeur obligatoire manquante ({libelle})."
    assert donnees.lignes_rejetees == [numero(format_, 1)]


@pytest.mark.parametrize("format_", FORMATS)
def test_region_incoherente_corrigee_sans_bloquer(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1, region="Bretagne")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne, anomalie.bloquante) == (
        numero(format_, 0),
        "region",
        False,
    )
    assert anomalie.message == (
        "la région « Bretagne » ne correspond pas au département 51 : « Grand Est » retenue."
    )
    assert anomalie.texte().startswith(f"(avertissement) {lieu(format_)}, ligne")
    assert donnees.rapport.est_valide
    assert donnees.table["region"].tolist() == ["Grand Est"]


@pytest.mark.parametrize("format_", FORMATS)
def test_texte_dans_une_colonne_de_nombres(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1, montant_socle="deux cents")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne, anomalie.valeur) == (
        numero(format_, 0),
        "montant_socle",
        "deux cents",
    )
    assert anomalie.message == (
        "« deux cents » n'est pas un nombre (exemple attendu : 215 528,21)."
    )
    assert donnees.table.empty


def test_pourcentage_refuse(tmp_path):
    anomalie = seule_anomalie(lire(tmp_path, "csv", [structure(1, etp_encadrement="12 %")]))
    assert anomalie.message.startswith("« 12 % » n'est pas un nombre")


@pytest.mark.parametrize("format_", FORMATS)
def test_nombre_negatif(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1, etp_encadrement="-1,5")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne, anomalie.valeur) == (
        numero(format_, 0),
        "etp_encadrement",
        "-1,5" if format_ == "csv" else "-1.5",
    )
    assert anomalie.message == (
        f"« {anomalie.valeur} » est négatif : un nombre positif ou nul est attendu."
    )


@pytest.mark.parametrize("format_", FORMATS)
def test_plus_de_beneficiaires_minima_que_de_salaries(tmp_path, format_):
    lignes = [structure(1, nb_beneficiaires_minima="23")]
    anomalie = seule_anomalie(lire(tmp_path, format_, lignes))
    assert (anomalie.ligne, anomalie.colonne, anomalie.valeur) == (
        numero(format_, 0),
        "nb_beneficiaires_minima",
        "23",
    )
    assert anomalie.message == (
        "23 bénéficiaires de minima sociaux pour 22 salariés en insertion : les bénéficiaires "
        "sont comptés parmi les salariés, ils ne peuvent pas être plus nombreux."
    )


@pytest.mark.parametrize("format_", FORMATS)
def test_sorties_dynamiques_superieures_aux_sorties_totales(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1, sorties_totales="6")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne, anomalie.valeur) == (
        numero(format_, 0),
        "sorties_totales",
        "6",
    )
    assert anomalie.message == (
        "sorties dans l'emploi durable, de transition et positives (3 + 2 + 2) "
        "plus nombreuses que les sorties totales (6)."
    )
    # une sortie non renseignée compte pour 0 : 2 + 2 <= 6
    lignes = [structure(1, sorties_totales="6", sorties_emploi_durable="")]
    assert lire(tmp_path, format_, lignes).rapport.anomalies == []


@pytest.mark.parametrize("format_", FORMATS)
def test_identifiant_en_double_cite_les_deux_lignes(tmp_path, format_):
    lignes = [structure(1), structure(2), structure(1, raison_sociale="Autre")]
    donnees = lire(tmp_path, format_, lignes)
    premiere, troisieme = numero(format_, 0), numero(format_, 2)
    message = "identifiant « ACI051230001 » en double : aussi ligne {}."
    assert [(a.ligne, a.colonne, a.message) for a in donnees.rapport.anomalies] == [
        (premiere, "identifiant", message.format(troisieme)),
        (troisieme, "identifiant", message.format(premiere)),
    ]
    assert donnees.table["identifiant"].tolist() == ["ACI051230002"]
    assert donnees.lignes_rejetees == [premiere, troisieme]


@pytest.mark.parametrize("format_", FORMATS)
def test_siret_de_13_chiffres_signale_sans_bloquer(tmp_path, format_):
    donnees = lire(tmp_path, format_, [structure(1, siret="5412345600012")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne, anomalie.bloquante) == (
        numero(format_, 0),
        "siret",
        False,
    )
    assert anomalie.message == (
        "SIRET « 5412345600012 » : 14 chiffres attendus (zéro initial perdu, p. ex. par Excel ?)."
    )
    assert donnees.table["siret"].tolist() == ["5412345600012"]


def test_siret_avec_espaces_normalise(tmp_path):
    donnees = lire(tmp_path, "csv", [structure(1, siret="462 701 079 00016")])
    assert donnees.rapport.anomalies == []
    assert donnees.table["siret"].tolist() == ["46270107900016"]


@pytest.mark.parametrize("format_", FORMATS)
def test_ni_montant_socle_ni_etp_conventionnes(tmp_path, format_):
    lignes = [structure(1, montant_socle="", etp_conventionnes=""), structure(2, montant_socle="")]
    donnees = lire(tmp_path, format_, lignes)
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne) == (numero(format_, 0), "montant_socle")
    assert anomalie.message == (
        "ni montant socle ni ETP conventionnés : l'un des deux est nécessaire pour calculer le "
        "montant modulé."
    )
    assert donnees.table["montant_socle"].tolist() == [None]
    assert donnees.table["etp_conventionnes"].tolist() == [Decimal("9.01")]


def test_milieu_penitentiaire_illisible(tmp_path):
    donnees = lire(tmp_path, "csv", [structure(1, milieu_penitentiaire="peut-être")])
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne) == (2, "milieu_penitentiaire")
    assert anomalie.message == "« peut-être » : « oui » ou « non » attendu."


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("oui", True),
        ("OUI", True),
        ("vrai", True),
        ("1", True),
        ("non", False),
        ("Faux", False),
        ("0", False),
        ("", False),
    ],
)
def test_milieu_penitentiaire_oui_non(tmp_path, texte, attendu):
    donnees = lire(tmp_path, "csv", [structure(1, milieu_penitentiaire=texte)])
    assert donnees.table["milieu_penitentiaire"].tolist() == [attendu]


# --- Problèmes de colonnes et de fichier --------------------------------------------------


@pytest.mark.parametrize("format_", FORMATS)
def test_colonne_obligatoire_absente(tmp_path, format_):
    en_tetes = [c for c in NOMS_COLONNES if c != "type"]
    donnees = lire(tmp_path, format_, [structure(1), structure(2)], en_tetes=en_tetes)
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne) == (None, "type")
    assert anomalie.texte() == (
        f"{lieu(format_)}, colonne « type » : colonne obligatoire absente (Type de SIAE)."
    )
    assert donnees.table.empty
    assert donnees.lignes_rejetees == [numero(format_, 0), numero(format_, 1)]


def test_colonnes_des_indicateurs_obligatoires_a_partir_de_2015(tmp_path):
    en_tetes = [c for c in NOMS_COLONNES if c != "sorties_positives"]
    donnees = lire(tmp_path, "csv", [structure(1)], annee=2015, en_tetes=en_tetes)
    assert [a.message for a in donnees.rapport.anomalies] == [
        "colonne obligatoire absente (Sorties positives, obligatoire à partir de la campagne 2015)."
    ]
    campagne_2014 = lire(tmp_path, "csv", [structure(1)], annee=2014, en_tetes=en_tetes)
    assert campagne_2014.rapport.anomalies == []
    assert campagne_2014.table["sorties_positives"].tolist() == [None]
    assert "sorties_positives" in colonnes_obligatoires(2015)
    assert "sorties_positives" not in colonnes_obligatoires(2014)


def test_ni_colonne_montant_socle_ni_colonne_etp(tmp_path):
    en_tetes = [c for c in NOMS_COLONNES if c not in ("montant_socle", "etp_conventionnes")]
    anomalie = seule_anomalie(lire(tmp_path, "csv", [structure(1)], en_tetes=en_tetes))
    assert (anomalie.ligne, anomalie.colonne) == (None, "montant_socle")
    assert anomalie.message.startswith(
        "colonne absente : il faut « montant_socle » ou « etp_conventionnes »"
    )


@pytest.mark.parametrize("format_", FORMATS)
def test_fichier_sans_ligne_de_donnees(tmp_path, format_):
    donnees = lire(tmp_path, format_, [])
    anomalie = seule_anomalie(donnees)
    assert anomalie.texte() == f"{lieu(format_)} : le fichier ne contient aucune ligne de données."
    assert not donnees.rapport.est_valide


def test_fichier_vide(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_bytes(b"")
    messages = [a.message for a in lire_donnees(chemin, 2014).rapport.anomalies]
    assert messages == ["le fichier est vide (ni en-tête ni données)."]


def test_colonne_presente_deux_fois(tmp_path):
    en_tetes = [*NOMS_COLONNES, "Type"]
    donnees = lire(tmp_path, "csv", [structure(1, Type="EI")], en_tetes=en_tetes)
    anomalie = seule_anomalie(donnees)
    assert (anomalie.ligne, anomalie.colonne) == (None, "type")
    assert anomalie.message == "colonne présente plusieurs fois (« type » et « Type »)."
    assert donnees.table.empty


def test_en_tetes_sans_casse_accents_ni_espaces_et_libelles(tmp_path):
    en_tetes = [
        " IDENTIFIANT ",
        "Type",
        "Département",
        "Région",
        "Raison sociale",
        "ETP conventionnés",
        "Commentaire",
        "Milieu pénitentiaire",
    ]
    chemin = tmp_path / "donnees.csv"
    chemin.write_text(
        ";".join(en_tetes) + "\nEI054150001;EI;054;;Régie;2,5;25 000;oui\n", encoding="utf-8"
    )
    donnees = lire_donnees(chemin, 2014)
    assert [a.message for a in donnees.rapport.anomalies] == [
        "colonne non reconnue : ignorée pour le calcul."
    ]
    assert donnees.rapport.anomalies[0].colonne == "Commentaire"
    ligne = donnees.table.iloc[0]
    assert (ligne["identifiant"], ligne["departement"], ligne["region"]) == (
        "EI054150001",
        "54",
        "Grand Est",
    )
    assert ligne["raison_sociale"] == "Régie"
    assert ligne["etp_conventionnes"] == Decimal("2.5")
    assert ligne["milieu_penitentiaire"]
    assert donnees.autres_colonnes["Commentaire"].tolist() == ["25 000"]


def test_tous_les_problemes_d_un_coup(tmp_path):
    lignes = [
        structure(1, type="EIX", departement="99", montant_socle="abc"),
        structure(2, etp_insertion="-2"),
        structure(3),
    ]
    donnees = lire(tmp_path, "csv", lignes)
    assert [(a.ligne, a.colonne) for a in donnees.rapport.anomalies] == [
        (2, "type"),
        (2, "departement"),
        (2, "montant_socle"),
        (3, "etp_insertion"),
    ]
    assert donnees.rapport.texte().splitlines()[0] == ("4 anomalies bloquantes, 0 avertissement.")
    assert donnees.table["ligne_source"].tolist() == [4]


# --- La table valide ----------------------------------------------------------------------


def test_table_valide_types_et_ordre(tmp_path):
    lignes = [structure(1, departement="054", region="", montant_socle="41 234,56 €")]
    donnees = lire(tmp_path, "csv", lignes)
    assert donnees.rapport.anomalies == []
    table = donnees.table
    assert list(table.columns) == [*NOMS_COLONNES, "ligne_source"]
    ligne = table.iloc[0]
    for colonne in COLONNES:
        valeur = ligne[colonne.nom]
        if colonne.numerique:
            assert valeur is None or isinstance(valeur, Decimal), colonne.nom
        elif colonne.nature == "oui/non":
            assert valeur in (True, False)
        else:
            assert isinstance(valeur, str), colonne.nom
    assert ligne["montant_socle"] == Decimal("41234.56")
    assert ligne["dont_cofinancement_cd"] == Decimal("39256.86")
    assert ligne["nb_salaries_insertion"] == Decimal(22)
    assert (ligne["departement"], ligne["region"]) == ("54", "Grand Est")
    assert table["ligne_source"].dtype == "int64"
    assert ligne["ligne_source"] == 2


def test_colonnes_facultatives_absentes_completees(tmp_path):
    en_tetes = [c for c in NOMS_COLONNES if c in colonnes_obligatoires(2026)] + ["montant_socle"]
    donnees = lire(tmp_path, "csv", [structure(1)], en_tetes=en_tetes)
    assert donnees.rapport.anomalies == []
    ligne = donnees.table.iloc[0]
    assert list(donnees.table.columns) == [*NOMS_COLONNES, "ligne_source"]
    assert (ligne["siret"], ligne["region"], ligne["etp_realises"]) == ("", "Grand Est", None)
    assert not ligne["milieu_penitentiaire"]


def test_xlsx_siret_a_zero_initial_et_departement_054(tmp_path):
    lignes = [structure(1, siret="05412345600011", departement="054", montant_socle="215528,21")]
    donnees = lire(tmp_path, "xlsx", lignes)
    assert donnees.rapport.anomalies == []
    ligne = donnees.table.iloc[0]
    assert (ligne["siret"], ligne["departement"]) == ("05412345600011", "54")
    assert ligne["montant_socle"] == Decimal("215528.21")
    assert ligne["sorties_totales"] == Decimal(10)
    assert ligne["ligne_source"] == 4
    assert donnees.feuille == "Données SIAE"


def test_classeur_valide_feuille_donnees_siae():
    """Le classeur appelle `valider` sur la table lue dans sa feuille « Données SIAE »."""
    brute = TableBrute(
        table=pd.DataFrame([structure(1)], dtype=str),
        fichier=Path("IAE_modulation.xlsm"),
        feuille="Données SIAE",
        lignes=[8],
    )
    donnees = valider(brute, 2026)
    assert donnees.table["ligne_source"].tolist() == [8]
    assert (donnees.fichier, donnees.feuille) == (Path("IAE_modulation.xlsm"), "Données SIAE")


def test_entree_inchangee(tmp_path):
    chemin = ecrire(tmp_path, "csv", [structure(1), structure(2, type="X")])
    avant = hashlib.sha256(chemin.read_bytes()).hexdigest()
    lire_donnees(chemin, 2026)
    assert hashlib.sha256(chemin.read_bytes()).hexdigest() == avant


# --- Rapport ------------------------------------------------------------------------------


def rapport_exemple() -> RapportValidation:
    return RapportValidation(
        [
            Anomalie("donnees.csv", None, 14, "type", "EIX", "« EIX » n'est pas un type."),
            Anomalie("c.xlsx", "Données SIAE", None, "region", "", "région absente.", False),
            Anomalie("donnees.csv", None, 3, "raison_sociale", "=1+1", "« =1+1 » : formule ?"),
        ]
    )


def test_rapport_texte():
    assert rapport_exemple().texte().splitlines() == [
        "2 anomalies bloquantes, 1 avertissement.",
        "donnees.csv, ligne 14, colonne « type » : « EIX » n'est pas un type.",
        "(avertissement) c.xlsx, feuille « Données SIAE », colonne « region » : région absente.",
        "donnees.csv, ligne 3, colonne « raison_sociale » : « =1+1 » : formule ?",
    ]
    assert RapportValidation().texte() == "Aucune anomalie."
    assert RapportValidation().est_valide


def test_rapport_vers_frame():
    frame = rapport_exemple().vers_frame()
    assert list(frame.columns) == [
        "Fichier",
        "Feuille",
        "Ligne",
        "Colonne",
        "Valeur",
        "Problème",
        "Bloquant",
    ]
    assert frame.iloc[0].tolist() == [
        "donnees.csv",
        "",
        14,
        "type",
        "EIX",
        "« EIX » n'est pas un type.",
        "oui",
    ]
    assert frame["Ligne"].isna().tolist() == [False, True, False]
    assert frame["Bloquant"].tolist() == ["oui", "non", "oui"]


def test_rapport_xlsx(tmp_path):
    chemin = ecrire_anomalies_xlsx(rapport_exemple(), tmp_path / "anomalies.xlsx")
    feuille = openpyxl.load_workbook(chemin)["Anomalies"]
    lignes = [[c.value for c in rangee] for rangee in feuille.iter_rows()]
    assert lignes[0] == ["Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Problème", "Bloquant"]
    assert lignes[1] == [
        "donnees.csv",
        None,
        14,
        "type",
        "EIX",
        "« EIX » n'est pas un type.",
        "oui",
    ]
    assert lignes[2][2] is None and lignes[2][6] == "non"
    cellule = feuille["E4"]
    assert (cellule.value, cellule.data_type) == ("=1+1", "s")  # texte, pas une formule
    assert feuille.freeze_panes == "A2"
    assert feuille.auto_filter.ref == "A1:G4"
    # chaque message se lit en entier sur une ligne ; le rapport s'imprime en A4, une page de large
    messages = [ligne[5] for ligne in lignes[1:]]
    assert feuille.column_dimensions["F"].width >= max(unites(m) for m in messages)
    assert imprimable(feuille) and feuille.print_title_rows == "$1:$1"


def test_rapport_ajouter():
    rapport = RapportValidation()
    assert rapport.est_valide
    rapport.ajouter(Anomalie("a.csv", None, 2, "x", "", "avertissement.", False))
    assert rapport.est_valide
    rapport.ajouter(Anomalie("b.csv", None, 5, "y", "", "bloquant."))
    assert [a.fichier for a in rapport.anomalies] == ["a.csv", "b.csv"]
    assert not rapport.est_valide
    assert [a.fichier for a in rapport.bloquantes] == ["b.csv"]


# --- Chaque ligne lue est soit dans la table, soit dans le rapport ------------------------

DEFAUTS = {
    "type": "EIX",
    "departement": "99",
    "identifiant": "",
    "montant_socle": "abc",
    "etp_encadrement": "-1",
    "nb_beneficiaires_minima": "50",
    "sorties_totales": "1",
    "milieu_penitentiaire": "peut-être",
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(sorted(DEFAUTS)), st.just("doublon")),
        min_size=1,
        max_size=25,
    )
)
def test_chaque_ligne_dans_la_table_ou_dans_le_rapport(defauts):
    lignes = []
    for rang, defaut in enumerate(defauts):
        if defaut == "doublon":
            lignes.append(structure(0))
        elif defaut is None:
            lignes.append(structure(rang + 1))
        else:
            lignes.append(structure(rang + 1, **{defaut: DEFAUTS[defaut]}))
    numeros = [rang + 2 for rang in range(len(lignes))]
    brute = TableBrute(pd.DataFrame(lignes, dtype=str), Path("d.csv"), None, numeros)
    donnees = valider(brute, 2026)

    gardees = set(donnees.table["ligne_source"])
    rejetees = set(donnees.lignes_rejetees)
    assert gardees | rejetees == set(numeros) and not gardees & rejetees
    signalees = {a.ligne for a in donnees.rapport.bloquantes}
    assert rejetees == signalees
    doublons = defauts.count("doublon") > 1
    attendues = {n for n, d in zip(numeros, defauts, strict=True) if d not in (None, "doublon")}
    if doublons:
        attendues |= {n for n, d in zip(numeros, defauts, strict=True) if d == "doublon"}
    assert rejetees == attendues


def _colonnes_decrites(section: str) -> list[str]:
    """Les noms de colonnes en tête des lignes du tableau d'une section de docs/donnees.md."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "donnees.md").read_text("utf-8")
    texte = doc.split(section, 1)[1].split("\n## ", 1)[0]
    noms = []
    for cellule in re.findall(r"^\| (`[^|]+) \|", texte, flags=re.MULTILINE):
        noms += re.findall(r"`(\w+)`", cellule)
    return noms


def test_la_documentation_decrit_toutes_les_colonnes():
    """docs/donnees.md : une ligne du tableau par colonne canonique, dans le même ordre."""
    assert _colonnes_decrites("### Les colonnes") == list(NOMS_COLONNES)


def test_la_documentation_dit_la_source_asp_de_chaque_colonne():
    """docs/donnees.md, « Depuis les fichiers de l'ASP » : la colonne source de chaque colonne
    canonique, dans l'ordre, comme la feuille « Correspondance » du rapport de preparer."""
    from iae_modulation.preparation.correspondance import CORRESPONDANCES

    decrites = _colonnes_decrites("## Depuis les fichiers de l'ASP")
    assert decrites == [c.colonne for c in CORRESPONDANCES] == list(NOMS_COLONNES)


def test_la_documentation_decrit_tout_le_grand_livre():
    """docs/donnees.md, « Le grand livre » : chaque colonne de resultats.csv, dans l'ordre."""
    assert _colonnes_decrites("## Le grand livre de la campagne") == list(COLONNES_RESULTATS)
