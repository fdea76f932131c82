"""En-têtes des exports extranet : comparaison souple, lignes de titre, alias, en-tête manquant."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest
from iae_modulation.exports.entetes import charger_dispositions, normaliser_entete
from iae_modulation.exports.extranet import lire_export_extranet
from iae_modulation.sorties import ErreurEntree

ENTETES_EI = [
    "Département",
    "no Présage",
    "N° SIRET",
    "Raison sociale",
    "N° annexe financière",
    "Date début effet annexe",
    "Date fin effet annexe",
    "Nombre de postes conventionnés",
    "Montant prévu de l'aide de l'Etat = AE",
    "Montant prévu de l'Aide FSE=AE",
    "Montant total prévu = AE",
]
LIGNE_EI = [
    "54",
    "P1",
    "73004030000065",
    "Lorraine Verts",
    "EI054240006A0M0",
    "01/01/2026",
    "31/12/2026",
    "3,32",
    "41 363,88",
    "0",
    "41 363,88",
]


def ecrire_csv(chemin: Path, lignes: list[list[str]]) -> Path:
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows(lignes)
    return chemin


@pytest.mark.parametrize(
    ("variante", "reference"),
    [
        ("N° SIRET", "no siret"),
        ("Nº  siret", "no siret"),
        ("no SIRET", "no siret"),
        ("n°siret", "no siret"),
        ("MONTANT PRÉVU DE L'AIDE DE L’ÉTAT = AE", "montant prevu de l aide de l etat ae"),
        ("Montant prévu de l'Aide FSE=AE)", "montant prevu de l aide fse ae"),
    ],
)
def test_normalisation_ignore_casse_accents_espaces_et_variantes_de_numero(variante, reference):
    assert normaliser_entete(variante) == reference


def test_ligne_d_entete_trouvee_derriere_des_lignes_de_titre(tmp_path):
    chemin = ecrire_csv(
        tmp_path / "ei.csv",
        [
            ["Tableau de suivi des annexes financières – EI – Droit commun"] + [""] * 10,
            ["Extranet IAE – Outils de pilotage budgétaire"] + [""] * 10,
            ENTETES_EI,
            LIGNE_EI,
        ],
    )
    table = lire_export_extranet(chemin, "EI")
    assert table.ligne_entete == 3
    assert table.numeros == [4]
    assert table.entetes == ENTETES_EI
    assert table.valeur(table.lignes[0], "base") == "41 363,88"
    assert table.valeur(table.lignes[0], "raison_sociale") == "Lorraine Verts"


def test_entete_renomme_retrouve_par_les_alias_du_fichier_yaml(tmp_path):
    renomme = [*ENTETES_EI]
    renomme[8] = "Aide État prévue (AE)"
    chemin = ecrire_csv(tmp_path / "ei.csv", [renomme, LIGNE_EI])
    with pytest.raises(ErreurEntree):
        lire_export_extranet(chemin, "EI")
    yaml_paquet = resources.files("iae_modulation.exports").joinpath("entetes_extranet.yaml")
    texte = yaml_paquet.read_text("utf-8").replace(
        "alias: [\"Montant prévu de l'aide de l'État\",",
        'alias: ["Aide État prévue (AE)", "Montant prévu de l\'aide de l\'État",',
    )
    assert "Aide État prévue (AE)" in texte
    yaml_agent = tmp_path / "entetes_extranet.yaml"
    yaml_agent.write_text(texte, encoding="utf-8")
    table = lire_export_extranet(chemin, "EI", entetes_yaml=yaml_agent)
    assert table.entetes[table.positions["base"]] == "Aide État prévue (AE)"


def test_alias_fourni_reconnu_sans_modification(tmp_path):
    variante = [*ENTETES_EI]
    variante[0] = "Code département"
    variante[1] = "Numéro Présage"
    chemin = ecrire_csv(tmp_path / "ei.csv", [variante, LIGNE_EI])
    table = lire_export_extranet(chemin, "EI")
    assert table.positions["departement"] == 0
    assert table.positions["no_presage"] == 1


def test_entete_manquant_liste_l_attendu_et_le_trouve(tmp_path):
    sans_fse = [e for e in ENTETES_EI if "FSE" not in e]
    chemin = ecrire_csv(
        tmp_path / "ei.csv",
        [["Tableau de suivi"] + [""] * 9, sans_fse, LIGNE_EI[:9] + LIGNE_EI[10:]],
    )
    with pytest.raises(ErreurEntree) as erreur:
        lire_export_extranet(chemin, "EI")
    message = str(erreur.value)
    assert message.startswith(
        "ei.csv : ce n'est pas un « Tableau de suivi des annexes financières »"
    )
    assert "Ligne d'en-tête la plus proche : ligne 2" in message
    assert "Il y manque : « Montant prévu de l'Aide FSE=AE »." in message
    assert "En-têtes trouvés en ligne 2 : « Département », « no Présage »" in message
    assert "alias" in message


def test_yaml_mal_forme_refuse_en_francais(tmp_path):
    mauvais = tmp_path / "entetes.yaml"
    mauvais.write_text("dispositions:\n  x:\n    titre: t\n", encoding="utf-8")
    with pytest.raises(ErreurEntree, match="fichier des en-têtes mal formé"):
        charger_dispositions(mauvais)
