"""Les fonctions de feuille de calcul, appelées en Python pur comme Excel les appellerait."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from iae_modulation.campagne import executer_calcul
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import construction, projet_vba, udfs
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.resultats import COLONNES_RESULTATS

GABARIT = Path(__file__).resolve().parents[1] / "templates" / "IAE_modulation.xlsm"
ANNEE = 2026


def exact(valeur: float) -> Decimal:
    """Le nombre qu'Excel affiche (15 chiffres significatifs) en Decimal."""
    return Decimal(format(valeur, ".15g"))


@pytest.fixture(scope="module")
def cellules() -> list[list[object]]:
    """Le tableau « Données SIAE » du gabarit, valeurs telles qu'Excel les passe à Python."""
    return ClasseurFichier(GABARIT).lire_feuille(contrat.DONNEES)


@pytest.fixture(scope="module")
def attendus(tmp_path_factory) -> dict[str, dict]:
    """Les résultats de « iae-modulation calculer » sur les mêmes données de démonstration."""
    sortie = tmp_path_factory.mktemp("calcul") / "sortie"
    rapport = executer_calcul(construction.DEMO, ANNEE, sortie)
    assert rapport.code_sortie == 0
    return {ligne["identifiant"]: ligne for ligne in rapport.resultats.to_dict("records")}


def par_colonne(cellules) -> list[dict]:
    en_tetes = cellules[0]
    return [dict(zip(en_tetes, ligne, strict=True)) for ligne in cellules[1:]]


def test_modulation_tableau_donne_les_resultats_de_calculer(cellules, attendus):
    lignes = udfs.MODULATION_TABLEAU(cellules, ANNEE, "rang")
    assert len(lignes) == len(attendus) + 1
    assert lignes[0][0] == "N° d'annexe financière"
    for ligne in lignes[1:]:
        valeurs = dict(zip(COLONNES_RESULTATS, ligne, strict=True))
        attendu = attendus[valeurs["identifiant"]]
        for colonne in ("taux_calcule", "montant_socle", "montant_module", "montant_net"):
            assert exact(valeurs[colonne]) == attendu[colonne], (valeurs["identifiant"], colonne)
        assert valeurs["justification"] == attendu["justification"]


def test_indicateurs_modulation_et_montants_par_structure(cellules, attendus):
    structures = par_colonne(cellules)
    indicateurs = {}
    for s in structures:
        indicateurs[s["identifiant"]] = (
            udfs.IAE_PUBLICS(s["nb_beneficiaires_minima"], s["nb_salaries_insertion"]),
            udfs.IAE_EFFORT(s["etp_encadrement"], s["etp_insertion"]),
            udfs.IAE_RESULTATS(
                s["sorties_emploi_durable"],
                s["sorties_emploi_transition"],
                s["sorties_positives"],
                s["sorties_totales"],
            ),
        )
    jour = dt.datetime(ANNEE, 1, 1)
    # depuis 2022, une structure en détention est classée avec les autres, sous son plafond
    comparees = structures
    assert any(s["milieu_penitentiaire"] == "oui" for s in structures)
    for s in comparees:
        attendu = attendus[s["identifiant"]]
        groupe = [
            t["identifiant"]
            for t in comparees
            if (t["type"], t["region"]) == (s["type"], s["region"])
        ]
        publics, effort, resultats = indicateurs[s["identifiant"]]
        for valeur, colonne in ((publics, "publics"), (effort, "effort"), (resultats, "resultats")):
            if isinstance(valeur, str):
                assert valeur.startswith("non calculable") and attendu[colonne] is None
            else:
                assert round(exact(valeur), 4) == attendu[colonne]
        plages = [[indicateurs[i][k] for i in groupe] for k in range(3)]
        taux = udfs.MODULATION(
            publics, effort, resultats, *plages, "rang", jour, s["milieu_penitentiaire"]
        )
        assert exact(taux) == attendu["taux_calcule"], s["identifiant"]
        montant = udfs.MONTANT_MODULE(s["montant_socle"], taux)
        assert exact(montant) == attendu["montant_avant_enveloppe"]
        assert exact(montant) >= attendu["montant_module"]  # avant réduction à l'enveloppe


def test_valeur_hors_de_son_groupe_refusee():
    plage = [0.1, 0.3]
    taux = udfs.MODULATION(0.2, 0.1, 0.1, plage, plage, plage, "rang", dt.date(2026, 1, 1))
    assert taux.startswith("#IAE : la valeur 0.2 doit figurer dans la plage de son groupe")


def test_modulation_methode_minmax():
    plage = [0.1, 0.3, 0.5]
    taux = udfs.MODULATION(0.3, 0.3, 0.3, plage, plage, plage, "minmax", dt.date(2026, 1, 1))
    assert exact(taux) == Decimal("0.05")  # score 0,5 partout -> 10 % × 0,5


def test_scores_du_groupe_gardes_par_valeurs_et_notation():
    """Les scores d'un groupe sont calculés une fois pour ses 40 appels ; une valeur changée
    dans la plage, ou l'autre notation, les recalcule."""
    jour = dt.date(2026, 1, 1)
    plage = [0.1, 0.3, 0.5]
    # rang 2 sur 3 partout : score 0,5 -> 5 %
    assert exact(udfs.MODULATION(0.3, 0.3, 0.3, plage, plage, plage, "rang", jour)) == Decimal(
        "0.05"
    )
    # le groupe change (0,3 devient le plus fort) : rang 3 sur 3, score 1 -> 10 %
    autre = [0.1, 0.3, 0.2]
    assert exact(udfs.MODULATION(0.3, 0.3, 0.3, autre, autre, autre, "rang", jour)) == Decimal(
        "0.1"
    )
    # minmax sur le même groupe : (0,3 − 0,1) / (0,3 − 0,1) = 1 -> 10 % ; 0,2 -> 0,5 -> 5 %
    assert exact(udfs.MODULATION(0.2, 0.2, 0.2, autre, autre, autre, "minmax", jour)) == Decimal(
        "0.05"
    )
    assert exact(udfs.MODULATION(0.3, 0.3, 0.3, plage, plage, plage, "rang", jour)) == Decimal(
        "0.05"
    )


def test_indicateur_non_calculable_vaut_score_neutre():
    assert udfs.IAE_PUBLICS(3, 0).startswith("non calculable")
    plage = [0.1, 0.3, 0.5]
    taux = udfs.MODULATION(
        udfs.IAE_PUBLICS(3, 0), 0.5, 0.5, plage, plage, plage, "rang", dt.date(2026, 1, 1)
    )
    assert exact(taux) == Decimal("0.0825")  # 10 % × (0,35 × 0,5 + 0,40 + 0,25)


# ACI, arrêté du 4 décembre 2024 : 23 921 € par ETP depuis le 1er novembre 2024, 23 458 € avant
# (arrêté du 30 avril 2024) ; EI : 12 459 €, 9 412 € à Mayotte (même arrêté, mêmes dates)
SOCLE_ACI_NOVEMBRE_2024, SOCLE_ACI_AVANT = Decimal("23921"), Decimal("23458")


def test_montant_socle_en_vigueur():
    assert exact(udfs.MONTANT_SOCLE("ACI", dt.datetime(2024, 11, 1))) == SOCLE_ACI_NOVEMBRE_2024
    assert exact(udfs.MONTANT_SOCLE("aci", "01/11/2024")) == SOCLE_ACI_NOVEMBRE_2024
    assert exact(udfs.MONTANT_SOCLE("ACI", "31/10/2024")) == SOCLE_ACI_AVANT
    assert exact(udfs.MONTANT_SOCLE("EI", "01/11/2024")) == Decimal("12459")
    assert exact(udfs.MONTANT_SOCLE("EI", "01/11/2024", True)) == Decimal("9412")


def test_date_ecrite_dans_la_formule_arrive_en_numero_de_serie():
    """`=MONTANT_SOCLE("ACI"; DATE(2024;11;1))` : Excel passe 45597, pas une date."""
    assert exact(udfs.MONTANT_SOCLE("ACI", 45597.0)) == SOCLE_ACI_NOVEMBRE_2024
    assert exact(udfs.MONTANT_SOCLE("ACI", 45596)) == SOCLE_ACI_AVANT  # 31 octobre 2024
    assert udfs.MONTANT_SOCLE("ACI", 12.0).startswith("#IAE : date : date attendue")


def test_montant_module_arrondi_au_centime_moitie_vers_le_haut():
    assert exact(udfs.MONTANT_MODULE(1000.05, 0.05)) == Decimal("50.00")  # 50,0025
    assert exact(udfs.MONTANT_MODULE("100,10", 0.05)) == Decimal("5.01")  # 5,005 -> 5,01


@pytest.mark.parametrize(
    "appel, debut",
    [
        (lambda: udfs.MONTANT_MODULE("abc", 0.05), "#IAE : socle : « abc » n'est pas un nombre"),
        # avant : un nombre négatif donnait un indicateur négatif, « 295.600 » 295,60 €
        (
            lambda: udfs.IAE_EFFORT(1, -2.5),
            "#IAE : ETP en insertion : « -2.5 » négatif ou infini, positif ou nul attendu",
        ),
        (
            lambda: udfs.IAE_RESULTATS(1, 1, 1, -3),
            "#IAE : sorties totales : « -3 » négatif ou infini, positif ou nul attendu",
        ),
        (
            lambda: udfs.MONTANT_MODULE("295.600", 0.05),
            "#IAE : socle : « 295.600 » : un montant en euros n'a jamais trois décimales",
        ),
        (
            lambda: udfs.IAE_PUBLICS("8,5", 10),
            "#IAE : bénéficiaires de minima sociaux : « 8,5 » : un nombre de personnes",
        ),
        (
            lambda: udfs.IAE_PUBLICS(3, 10.5),
            "#IAE : salariés en insertion : « 10.5 » : un nombre de personnes est entier",
        ),
        (lambda: udfs.MONTANT_MODULE(None, 0.05), "#IAE : socle manquant"),
        (lambda: udfs.MONTANT_SOCLE("XYZ", None), "#IAE : Type de SIAE inconnu « XYZ »"),
        (lambda: udfs.MONTANT_SOCLE("ACI", "hier"), "#IAE : date : date attendue"),
        (
            lambda: udfs.MODULATION(0.1, 0.1, 0.1, [0.1], [0.1], [0.1], "moyenne", None),
            "#IAE : méthode « moyenne » inconnue",
        ),
        (lambda: udfs.MODULATION_TABLEAU([["identifiant"]], 2026.5), "#IAE : année « 2026.5 »"),
        (
            lambda: udfs.MODULATION(0.2, 0.1, 0.1, [0.1, 0.3], [0.1], [0.1], "rang", None),
            "#IAE : la valeur 0.2 doit figurer dans la plage de son groupe",
        ),
    ],
)
def test_mauvais_argument_court_message_francais(appel, debut):
    resultat = appel()
    assert isinstance(resultat, str) and resultat.startswith(debut)
    assert "Traceback" not in resultat


def test_modulation_tableau_donnees_invalides_nomme_la_ligne(cellules):
    copie = [list(ligne) for ligne in cellules]
    copie[4][copie[0].index("type")] = "XYZ"
    resultat = udfs.MODULATION_TABLEAU(copie, ANNEE)
    assert resultat.startswith("#IAE : 1 problème(s) bloquant(s)")
    assert "ligne 5" in resultat and "type" in resultat


def test_modulation_tableau_colonne_en_double_nommee(cellules):
    position = cellules[0].index("type")
    copie = [[*ligne, ligne[position]] for ligne in cellules]
    resultat = udfs.MODULATION_TABLEAU(copie, ANNEE)
    assert resultat.startswith("#IAE : 1 problème(s) bloquant(s)")
    assert "colonne « type » : colonne présente plusieurs fois" in resultat


def test_modulation_tableau_lignes_vides_et_tableau_decale(cellules, attendus):
    """Lignes vides avant et entre les structures, colonne vide à gauche : mêmes résultats."""
    decale = [[None] * (len(cellules[0]) + 1)] + [[None, *ligne] for ligne in cellules]
    decale.insert(5, [""] * len(decale[0]))
    lignes = udfs.MODULATION_TABLEAU(decale, ANNEE, "rang")
    assert len(lignes) == len(attendus) + 1
    for ligne in lignes[1:]:
        valeurs = dict(zip(COLONNES_RESULTATS, ligne, strict=True))
        attendu = attendus[valeurs["identifiant"]]
        assert exact(valeurs["montant_net"]) == attendu["montant_net"]


def test_metadonnees_xlwings_categorie_iae_sans_convertisseur_implicite():
    with projet_vba._pywin32_simule():
        module = projet_vba.fonctions_decorees()
    fonctions = [
        getattr(module, n) for n in dir(module) if hasattr(getattr(module, n), "__xlfunc__")
    ]
    assert len(fonctions) == 7
    for fonction in fonctions:
        infos = fonction.__xlfunc__
        assert infos["category"] == "IAE"
        assert infos["ret"]["doc"] and "Traceback" not in infos["ret"]["doc"]
        for argument in infos["args"]:
            assert "convert" not in argument["options"], (infos["name"], argument["name"])
            assert not argument["doc"].startswith("Positional argument")
    tableau = module.MODULATION_TABLEAU.__xlfunc__["argmap"]["table"]
    assert tableau["options"] == {"ndim": 2, "err_to_str": True}  # « #N/A » lu, pas vide


def test_modulation_en_milieu_penitentiaire_selon_la_date():
    """2019 : taux fixe de 5 % (socle propre), quels que soient les indicateurs ; 2023 : la
    meilleure structure du groupe a 5 % (plafond), la moyenne 2,50 %, une autre 10 %."""
    plages = ([0.2, 0.5, 0.9], [0.1, 0.2, 0.3], [0.2, 0.5, 0.8])
    en_2019 = dt.datetime(2019, 3, 1)
    assert exact(udfs.MODULATION(0.2, 0.1, 0.2, *plages, "rang", en_2019, True)) == Decimal("0.05")
    en_2023 = dt.datetime(2023, 3, 1)
    assert exact(udfs.MODULATION(0.9, 0.3, 0.8, *plages, "rang", en_2023, "oui")) == Decimal("0.05")
    assert exact(udfs.MODULATION(0.5, 0.2, 0.5, *plages, "rang", en_2023, True)) == Decimal("0.025")
    assert exact(udfs.MODULATION(0.9, 0.3, 0.8, *plages, "rang", en_2023)) == Decimal("0.1")
    avant = udfs.MODULATION(0.9, 0.3, 0.8, *plages, "rang", dt.datetime(2015, 1, 1), True)
    assert "pas de valeur applicable au 01/01/2015" in avant and "n° 2016-531" in avant
