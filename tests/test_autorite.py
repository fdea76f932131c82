"""L'autorité qui signe : préfet de département (par défaut) ou de région, article du nom du
département, délégation, en-tête de service à la date de l'acte (documents/autorite.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from iae_modulation.documents.autorite import (
    DEPARTEMENT,
    REGION,
    autorite_du_departement,
    niveau_autorite,
    titre_du_directeur,
)
from iae_modulation.documents.mots_dates import mots_de_la_campagne
from iae_modulation.documents.signature import Signature
from iae_modulation.erreurs import ErreurEntree
from iae_modulation.referentiel import departements

# écrits à la main (usage des arrêtés préfectoraux), jamais tirés de departements.csv
OUVERTURES = {
    "01": "Le préfet de l'Ain",
    "51": "Le préfet de la Marne",
    "54": "Le préfet de Meurthe-et-Moselle",
    "59": "Le préfet du Nord",
    "67": "Le préfet du Bas-Rhin",
    "88": "Le préfet des Vosges",
    "92": "Le préfet des Hauts-de-Seine",
    "2A": "Le préfet de la Corse-du-Sud",
    "28": "Le préfet d'Eure-et-Loir",
    "90": "Le préfet du Territoire de Belfort",
    "974": "Le préfet de La Réunion",
    "976": "Le préfet de Mayotte",
    "971": "Le préfet de la Guadeloupe",
    "75": "Le préfet de Paris",
}


@pytest.mark.parametrize(("code", "attendu"), OUVERTURES.items())
def test_premiere_phrase_avec_l_article_du_departement(code, attendu):
    assert autorite_du_departement(DEPARTEMENT, code).ouverture == attendu


def test_chaque_departement_a_un_article_connu():
    """Les 101 départements ont un type de nom du code officiel géographique (0 à 5)."""
    assert len(departements()) == 101
    for departement in departements().values():
        assert departement.de_nom.split(departement.nom)[0] in (
            "de ",
            "d'",
            "du ",
            "de la ",
            "des ",
            "de l'",
        ), departement


def test_prefete_et_niveau_regional():
    vosges = autorite_du_departement(DEPARTEMENT, "88", prefete=True)
    assert vosges.ouverture == "La préfète des Vosges"
    assert vosges.delegation == "Pour la préfète et par délégation,"
    assert vosges.bloc_marque == "PRÉFÈTE DES VOSGES"
    region = autorite_du_departement(REGION, "88")
    assert region.ouverture == "Le préfet de la région Grand Est"
    assert region.delegation == "Pour le préfet de région et par délégation,"
    assert autorite_du_departement(REGION, "77").ouverture == (
        "Le préfet de la région d'Île-de-France"
    )
    assert autorite_du_departement(REGION, "2B").ouverture == "Le préfet de Corse"


@pytest.mark.parametrize(
    ("niveau", "code", "jour", "ddets_pp", "service", "directeur"),
    [
        (
            DEPARTEMENT,
            "57",
            dt.date(2026, 6, 15),
            False,
            "Direction départementale de l'emploi, du travail et des solidarités (DDETS)",
            "le directeur départemental de l'emploi, du travail et des solidarités",
        ),
        (
            DEPARTEMENT,
            "57",
            dt.date(2021, 3, 31),
            False,
            "Unité départementale de la direction régionale des entreprises, de la "
            "concurrence, de la consommation, du travail et de l'emploi (DIRECCTE)",
            "le responsable de l'unité départementale de la direction régionale des "
            "entreprises, de la concurrence, de la consommation, du travail et de l'emploi",
        ),
        (
            DEPARTEMENT,
            "88",
            dt.date(2021, 4, 1),
            True,
            "Direction départementale de l'emploi, du travail, des solidarités et de la "
            "protection des populations (DDETS-PP)",
            "le directeur départemental de l'emploi, du travail, des solidarités et de la "
            "protection des populations",
        ),
        (
            DEPARTEMENT,
            "88",
            dt.date(2020, 12, 1),
            True,  # avant le 1er avril 2021 : l'unité départementale, DDETS-PP ou non
            "Unité départementale de la direction régionale des entreprises, de la "
            "concurrence, de la consommation, du travail et de l'emploi (DIRECCTE)",
            "le responsable de l'unité départementale de la direction régionale des "
            "entreprises, de la concurrence, de la consommation, du travail et de l'emploi",
        ),
        (
            REGION,
            "67",
            dt.date(2021, 4, 1),
            False,
            "Direction régionale de l'économie, de l'emploi, du travail et des solidarités "
            "(DREETS)",
            "le directeur régional de l'économie, de l'emploi, du travail et des solidarités",
        ),
        (
            REGION,
            "67",
            dt.date(2015, 2, 1),
            False,
            "Direction régionale des entreprises, de la concurrence, de la consommation, du "
            "travail et de l'emploi (DIRECCTE)",
            "le directeur régional des entreprises, de la concurrence, de la consommation, du "
            "travail et de l'emploi",
        ),
        (
            DEPARTEMENT,
            "974",
            dt.date(2026, 1, 5),
            False,
            "Direction de l'économie, de l'emploi, du travail et des solidarités (DEETS)",
            "le directeur de l'économie, de l'emploi, du travail et des solidarités",
        ),
        (
            REGION,
            "93",
            dt.date(2026, 1, 5),
            False,
            "Direction régionale et interdépartementale de l'économie, de l'emploi, du "
            "travail et des solidarités (DRIEETS)",
            "le directeur régional et interdépartemental de l'économie, de l'emploi, du "
            "travail et des solidarités",
        ),
    ],
)
def test_service_et_directeur_a_la_date_de_l_acte(niveau, code, jour, ddets_pp, service, directeur):
    autorite = autorite_du_departement(niveau, code, ddets_pp=ddets_pp)
    mots = mots_de_la_campagne(jour.year, jour)
    assert autorite.service(mots) == service
    assert autorite.directeur(mots) == directeur


def test_service_ecrit_au_manifeste_une_fois_par_valeur():
    mots = mots_de_la_campagne(2026, dt.date(2026, 6, 15))
    for code in ("57", "54", "974"):
        autorite_du_departement(DEPARTEMENT, code).service(mots)
    mots.noter_modele({"service"})
    noms = sorted(p["nom"] for p in mots.pour_le_manifeste())
    assert noms == ["mot_service_departemental", "mot_service_outre_mer"]
    assert any("mot_service_outre_mer" in s for s in mots.signalements())  # grade S1


def test_ddets_pp_refuse_sans_direction_departementale():
    with pytest.raises(ErreurEntree, match="Seine-Saint-Denis.*pas de direction départementale"):
        autorite_du_departement(DEPARTEMENT, "93", ddets_pp=True)
    with pytest.raises(ErreurEntree, match="niveau régional"):
        autorite_du_departement(REGION, "88", ddets_pp=True)


def test_niveau_ecrit_par_un_agent():
    assert niveau_autorite(" Département ") == DEPARTEMENT
    assert niveau_autorite("région") == REGION
    assert niveau_autorite("region") == REGION
    with pytest.raises(ErreurEntree, match="« préfecture » inconnue"):
        niveau_autorite("préfecture")


def test_titre_d_un_service_de_forme_inconnue():
    assert titre_du_directeur("Pôle emploi et solidarités") == ""


def test_bloc_de_signature():
    mots = mots_de_la_campagne(2026, dt.date(2026, 6, 15))
    moselle = autorite_du_departement(DEPARTEMENT, "57")
    assert Signature().bloc_signature(moselle, mots) == (
        "Pour le préfet et par délégation,\n"
        "le directeur départemental de l'emploi, du travail et des solidarités"
    )
    adjointe = Signature(qualite="La directrice départementale adjointe")
    assert adjointe.bloc_signature(moselle, mots) == (
        "Pour le préfet et par délégation,\nLa directrice départementale adjointe"
    )
    propre = Signature(qualite="Pour la préfète et par délégation, la secrétaire générale")
    assert propre.bloc_signature(moselle, mots) == propre.qualite
    assert Signature(service="DEETS de Mayotte").en_tete_service(moselle, mots) == (
        "DEETS de Mayotte"
    )
