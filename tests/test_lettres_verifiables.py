"""Des lettres qu'une structure peut vérifier (issue 16) : texte exact de trois lettres — méthode
par défaut et enveloppe dépassée, méthode régionale à groupes départementaux et répartition de
toute l'enveloppe, taux fixe du milieu pénitentiaire pris d'abord sur l'enveloppe — et les
données intégrées à chaque lettre. Tous les attendus sont calculés à la main dans les
commentaires."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
from aides import ecrire_csv
from iae_modulation.cli import main
from iae_modulation.documents.donnees_integrees import lire_donnees
from iae_modulation.documents.notifications import generer_notifications
from iae_modulation.documents.signature import Signature
from iae_modulation.sorties import sha256

NBSP = "\u00a0"
SIGNEE = Signature(
    lieu="Metz",
    signataire="Jeanne Martin",
    date=dt.date(2026, 6, 15),
    affaire="Paul Durand",
    telephone="01 99 00 00 00",
    courriel="paul.durand@exemple.invalid",
)
RECOURS = (
    "Voies et délais de recours : la présente décision peut faire l'objet, dans les deux mois "
    "suivant sa notification, d'un recours gracieux auprès de son auteur, d'un recours "
    "hiérarchique auprès du ministre chargé de l'emploi ou d'un recours contentieux devant le "
    "tribunal administratif territorialement compétent, qui peut être saisi par l'application "
    "« Télérecours citoyens » (www.telerecours.fr). Un recours gracieux ou hiérarchique proroge "
    "le délai du recours contentieux, qui court alors de la réponse de l'administration (son "
    "silence pendant deux mois vaut rejet)."
)
REFERENCES = (
    "Références : code du travail, articles L. 5132-2 et R. 5132-1 et suivants ; instruction "
    "DGEFP n° 2014-2 du 5 février 2014 ; note DGEFP n° 2014-04 du 10 octobre 2014"
)
RANG = (
    "chaque indicateur est noté par son rang parmi les n structures du groupe où il est "
    "calculable, score = (rang − 1) / (n − 1), le rang 1 étant la plus faible valeur (ex-æquo : "
    "rang moyen) ; non calculable, ou seul du groupe : 0,50."
)


def _structure(identifiant: str, minima: int, encadrement: int, durables: int, **autres) -> dict:
    """Une structure de 10 salariés en insertion, 10 ETP en insertion et 10 sorties, au socle
    de 100 000 € : chaque indicateur vaut le nombre donné sur 10."""
    type_ = identifiant.rstrip("0123456789")
    return {
        "identifiant": identifiant,
        "siret": "46270107900016",
        "raison_sociale": f"Structure {identifiant}",
        "adresse": "3 rue des Jardins",
        "code_postal": "57000",
        "commune": "Metz",
        "type": type_,
        "departement": identifiant[len(type_) + 1 : len(type_) + 3],
        "montant_socle": "100000",
        "nb_salaries_insertion": "10",
        "nb_beneficiaires_minima": str(minima),
        "etp_encadrement": str(encadrement),
        "etp_insertion": "10",
        "sorties_totales": "10",
        "sorties_emploi_durable": str(durables),
        "sorties_emploi_transition": "0",
        "sorties_positives": "0",
        **autres,
    }


def _campagne(
    dossier: Path, annee: int, structures: list[dict], enveloppe: str, signature, *options
) -> Path:
    """Le calcul des `structures` (enveloppe du Grand Est) dans `dossier/calcul`, puis leurs
    lettres dans `dossier/lettres` ; rend `dossier`."""
    calcul = dossier / "calcul"
    donnees = ecrire_csv(dossier / "donnees.csv", structures)
    enveloppes = ecrire_csv(
        dossier / "enveloppes.csv", [{"region": "Grand Est", "enveloppe": enveloppe}]
    )
    commande = ["calculer", str(donnees), "--annee", str(annee), "--sortie", str(calcul)]
    assert main([*commande, "--enveloppes", str(enveloppes), *options]) == 0
    generer_notifications(
        calcul / "resultats.csv",
        None,
        annee,
        dossier / "lettres",
        signature=signature,
        pdf=False,
        progression=False,
    )
    return dossier


def _lettre(chemin: Path) -> tuple[list[str], list[list[str]]]:
    """Les paragraphes du corps et les tableaux (cellules) d'une lettre, espaces insécables
    lues comme des espaces."""
    document = docx.Document(str(chemin))
    paragraphes = [p.text.replace(NBSP, " ") for p in document.paragraphs]
    tableaux = [
        [" | ".join(c.text.replace(NBSP, " ") for c in ligne.cells) for ligne in tableau.rows]
        for tableau in document.tables
    ]
    return paragraphes, tableaux


@pytest.fixture(scope="module")
def par_defaut(tmp_path_factory) -> Path:
    """Quatre ACI du Grand Est, méthode par défaut, enveloppe de 16 000 €.
    Publics 2, 5, 5, 8 sur 10 : rangs 1 ; 2,5 ; 2,5 ; 4, scores 0 ; 0,5 ; 0,5 ; 1. Effort
    1, 2, 3, 4 et résultats 2, 4, 6, 8 sur 10 : rangs 1 à 4, scores 0, 1/3, 2/3, 1.
    ACI057260002 : 10 % × (0,35 × 0,5 + 0,40 / 3 + 0,25 / 3) = 3,9166… % -> 3,92 % ; 3 920,00 €.
    ACI054260003 : 10 % × (0,175 + 0,65 × 2 / 3) = 6,0833… % -> 6,08 % ; 6 080,00 €.
    ACI054260004 : 10 % ; 10 000,00 €. ACI057260001 : 0 %. Total calculé 20 000,00 €, au-dessus
    de l'enveloppe : 3 920,00 × 16 000 / 20 000 = 3 136,00 € (taux effectif 3,14 %)."""
    dossier = tmp_path_factory.mktemp("par_defaut")
    structures = [
        _structure("ACI057260001", 2, 1, 2),
        _structure("ACI057260002", 5, 2, 4, raison_sociale="Centre Moselle Insertion"),
        _structure("ACI054260003", 5, 3, 6),
        _structure("ACI054260004", 8, 4, 8),
    ]
    return _campagne(dossier, 2026, structures, "16000", SIGNEE)


def test_lettre_methode_par_defaut_texte_exact(par_defaut):
    chemin = par_defaut / "lettres" / "notification_2026-57-ACI-ACI057260002.docx"
    paragraphes, tableaux = _lettre(chemin)
    assert tableaux[0] == [
        "RÉPUBLIQUE FRANÇAISE\nPRÉFET DE LA MOSELLE\nDirection départementale de l'emploi, du "
        "travail et des solidarités (DDETS) | Centre Moselle Insertion\nÀ l'attention de "
        "Monsieur le Président ou Madame la Présidente\n3 rue des Jardins\n57000 Metz"
    ]
    assert tableaux[1] == [
        "Critère (poids) | Indicateur | Valeur | Rang (ACI Grand Est) | Score",
        "Publics (35 %) | 5 bénéficiaires de minima sociaux (RSA, ASS, AAH) / 10 salariés en "
        "insertion | 50,00 % | 2,5 sur 4 | 0,5000",
        "Efforts d'insertion (40 %) | 2 ETP d'encadrement / 10 ETP en insertion | 20,00 % | "
        "2 sur 4 | 0,3333",
        "Résultats (25 %) | 4 sorties dynamiques (emploi durable, de transition, positives) / "
        "10 sorties | 40,00 % | 2 sur 4 | 0,3333",
    ]
    assert paragraphes == [
        "Référence : 2026-57-ACI-ACI057260002",
        "Affaire suivie par : Paul Durand – téléphone : 01 99 00 00 00\n"
        "Courriel : paul.durand@exemple.invalid",
        "Objet : notification du montant modulé de l'aide au poste au titre de l'année 2026",
        REFERENCES,
        "Structure : Centre Moselle Insertion (atelier et chantier d'insertion), SIRET "
        "46270107900016, annexe financière n° ACI057260002",
        "Madame la Présidente, Monsieur le Président,",
        "J'ai l'honneur de vous notifier que le montant modulé de l'aide au poste attribué à "
        "votre structure au titre de l'année 2026 s'élève à 3 136,00 €.",
        "Le calcul de votre montant",
        "Votre taux de modulation résulte des indicateurs de votre structure, calculés sur ses "
        "données de l'année 2025 et comparés à ceux des autres structures de son groupe, « ACI "
        "Grand Est » (même type, même région). Méthode « Méthode par défaut (note DGEFP "
        f"n° 2014-04) » : {RANG}",
        # 0,35 × 0,5 + 0,40 × 0,3333 + 0,25 × 0,3333 = 0,391645 : × 10 % = 3,92 %
        "Taux de modulation = plafond × somme des scores pondérés, arrondi à 0,01 point : 10 % × "
        "(35 % × 0,5000 + 40 % × 0,3333 + 25 % × 0,3333) = 3,92 %. Montant calculé = montant "
        "socle de l'aide au poste conventionnée × taux, au centime : 100 000,00 € × 3,92 % = "
        "3 920,00 €.",
        "L'enveloppe régionale (Grand Est) est de 16 000,00 €. Le total des montants calculés de "
        "la région, 20 000,00 €, dépasse ce montant : chacun est réduit en proportion, au "
        "centime inférieur. Votre montant modulé : 3 920,00 € × 16 000,00 € / 20 000,00 € = "
        "3 136,00 € (taux effectif : 3,14 %).",
        "Ce montant de 3 136,00 € vous sera versé par l'Agence de services et de paiement (ASP), "
        "à laquelle la décision de paiement correspondante est transmise.",
        "Je vous prie d'agréer l'expression de ma considération distinguée.",
        "Metz, le 15 juin 2026",
        "Pour le préfet et par délégation,\nle directeur départemental de l'emploi, du travail "
        "et des solidarités",
        "Jeanne Martin",
        RECOURS,
    ]


def test_donnees_integrees_a_la_lettre(par_defaut):
    chemin = par_defaut / "lettres" / "notification_2026-57-ACI-ACI057260002.docx"
    assert lire_donnees(chemin) == {
        "type": "lettre_notification",
        "version": 1,
        "reference": "2026-57-ACI-ACI057260002",
        "annee": 2026,
        "departement": "57",
        "mesure": "ACI",
        "identifiant": "ACI057260002",
        "siret": "46270107900016",
        "projet": False,
        "montant_module": "3136.00",
        "regularisation": None,
        "net": "3136.00",
        "taux": "3.92",
        "grand_livre_sha256": sha256(par_defaut / "calcul" / "resultats.csv"),
    }


def test_structure_au_taux_nul_sans_etape_d_enveloppe(par_defaut):
    """ACI057260001, dernière partout : 0 %, 0,00 € ; un montant nul n'est pas réparti."""
    chemin = par_defaut / "lettres" / "notification_2026-57-ACI-ACI057260001.docx"
    paragraphes, tableaux = _lettre(chemin)
    assert tableaux[1][1:] == [
        "Publics (35 %) | 2 bénéficiaires de minima sociaux (RSA, ASS, AAH) / 10 salariés en "
        "insertion | 20,00 % | 1 sur 4 | 0,0000",
        "Efforts d'insertion (40 %) | 1 ETP d'encadrement / 10 ETP en insertion | 10,00 % | "
        "1 sur 4 | 0,0000",
        "Résultats (25 %) | 2 sorties dynamiques (emploi durable, de transition, positives) / "
        "10 sorties | 20,00 % | 1 sur 4 | 0,0000",
    ]
    assert not [p for p in paragraphes if "enveloppe" in p]
    assert (
        "Aucun versement ne sera donc effectué au titre du montant modulé de l'année 2026 ; la "
        "décision de paiement transmise à l'Agence de services et de paiement (ASP) le "
        "mentionne."
    ) in paragraphes


@pytest.fixture(scope="module")
def regionale(tmp_path_factory) -> Path:
    """Six EI du Grand Est, trois en Meurthe-et-Moselle (indicateurs 1, 2, 3 sur 10), trois en
    Moselle (4, 5, 6 sur 10) ; méthode 50/30/20 par département, toute l'enveloppe répartie.
    Par département (n = 3) : rangs 1, 2, 3, scores 0 ; 0,5 ; 1 -> taux 0 %, 5 %, 10 % ; montants
    0, 5 000, 10 000 € dans chacun (par région, les rangs iraient de 1 à 6).
    Enveloppe 34 000 € pour 30 000 € calculés : les deux structures à 10 % sont à leur plafond
    (100 000 × 10 % = 10 000 €) ; restent 34 000 − 20 000 = 14 000 € pour 10 000 € calculés :
    5 000 × 14 000 / 10 000 = 7 000,00 € (7 %), sous le plafond de 10 000 €."""
    dossier = tmp_path_factory.mktemp("regionale")
    methode = dossier / "methode.yaml"
    methode.write_text(
        "nom: Méthode Grand Est 2026\nnotation: rang\n"
        "poids: {publics: 50, effort: 30, resultats: 20}\n"
        "groupes: type-departement\nrepartition: totale\n",
        encoding="utf-8",
    )
    structures = [
        _structure(f"EI0{departement}26000{n}", k, k, k)
        for departement, debut in (("54", 1), ("57", 4))
        for n, k in enumerate(range(debut, debut + 3), start=1)
    ]
    signature = Signature(date=dt.date(2026, 6, 15))
    return _campagne(
        dossier, 2026, structures, "34000", signature, "--methode-fichier", str(methode)
    )


def test_lettre_methode_regionale_groupes_departementaux(regionale):
    chemin = regionale / "lettres" / "PROJET_notification_2026-54-EI-EI054260002.docx"
    paragraphes, tableaux = _lettre(chemin)
    assert tableaux[1] == [
        "Critère (poids) | Indicateur | Valeur | Rang (EI 54) | Score",
        "Publics (50 %) | 2 bénéficiaires de minima sociaux (RSA, ASS, AAH) / 10 salariés en "
        "insertion | 20,00 % | 2 sur 3 | 0,5000",
        "Efforts d'insertion (30 %) | 2 ETP d'encadrement / 10 ETP en insertion | 20,00 % | "
        "2 sur 3 | 0,5000",
        "Résultats (20 %) | 2 sorties dynamiques (emploi durable, de transition, positives) / "
        "10 sorties | 20,00 % | 2 sur 3 | 0,5000",
    ]
    debut = paragraphes.index("Le calcul de votre montant")
    assert paragraphes[debut + 1 : debut + 5] == [
        "Votre taux de modulation résulte des indicateurs de votre structure, calculés sur ses "
        "données de l'année 2025 et comparés à ceux des autres structures de son groupe, « EI "
        f"54 » (même type, même département). Méthode « Méthode Grand Est 2026 » : {RANG}",
        "Taux de modulation = plafond × somme des scores pondérés, arrondi à 0,01 point : 10 % × "
        "(50 % × 0,5000 + 30 % × 0,5000 + 20 % × 0,5000) = 5,00 %. Montant calculé = montant "
        "socle de l'aide au poste conventionnée × taux, au centime : 100 000,00 € × 5,00 % = "
        "5 000,00 €.",
        # la répartition augmente ce montant : jamais « ne permettant pas de verser »
        "Toute l'enveloppe régionale (Grand Est), 34 000,00 €, est répartie en proportion des "
        "montants calculés, sans qu'aucune structure ne dépasse son plafond. Pris d'abord : le "
        "montant de 2 structure(s) à leur plafond (montant socle × plafond), 20 000,00 €. Reste "
        "à répartir : 34 000,00 € − 20 000,00 € = 14 000,00 €. Le total des montants calculés "
        "des autres structures de la région, 10 000,00 €, est inférieur à ce montant : chacun "
        "est augmenté en proportion, au centime inférieur. Votre montant modulé : 5 000,00 € × "
        "14 000,00 € / 10 000,00 € = 7 000,00 € (taux effectif : 7,00 %).",
        "Ce montant de 7 000,00 € vous sera versé par l'Agence de services et de paiement (ASP), "
        "à laquelle la décision de paiement correspondante est transmise.",
    ]
    assert paragraphes[:2] == [
        "Référence : 2026-54-EI-EI054260002",
        "Objet : notification du montant modulé de l'aide au poste au titre de l'année 2026",
    ]  # sans « Affaire suivie par » : rien n'est donné
    assert tableaux[0][0].startswith("RÉPUBLIQUE FRANÇAISE\nPRÉFET DE MEURTHE-ET-MOSELLE\n")
    assert "Le 15 juin 2026" in paragraphes


def test_lettre_d_une_structure_a_son_plafond(regionale):
    """EI057260003 (10 %) : sa part, 10 000 × 14 000 / 10 000 = 14 000 €, dépasserait son
    plafond de 10 000 €."""
    chemin = regionale / "lettres" / "PROJET_notification_2026-57-EI-EI057260003.docx"
    paragraphes, _ = _lettre(chemin)
    assert paragraphes[paragraphes.index("Le calcul de votre montant") + 3] == (
        "Toute l'enveloppe régionale (Grand Est), 34 000,00 €, est répartie en proportion des "
        "montants calculés, sans qu'aucune structure ne dépasse son plafond. Pris d'abord : le "
        "montant de 2 structure(s) à leur plafond (montant socle × plafond), 20 000,00 €. Reste "
        "à répartir : 34 000,00 € − 20 000,00 € = 14 000,00 €. Votre part (10 000,00 € × "
        "14 000,00 € / 10 000,00 €) dépasserait votre plafond : votre montant modulé est celui "
        "de votre plafond, 100 000,00 € × 10 % = 10 000,00 € (taux effectif : 10,00 %)."
    )


@pytest.fixture(scope="module")
def penitentiaire(tmp_path_factory) -> Path:
    """2019 (cas tests/cas/penitentiaire_2019_taux_fixe.yaml) : EI en détention au socle propre
    de 2 ETP × 6 312 = 12 624,00 €, taux fixe de 5 % : 631,20 €, pris d'abord sur l'enveloppe de
    5 000 € ; les deux autres EI classées entre elles : 10 % et 0 % ; 10 000,00 × 4 368,80 /
    10 000,00 = 4 368,80 € (taux effectif 4,37 %)."""
    dossier = tmp_path_factory.mktemp("penitentiaire")
    structures = [
        _structure(
            "EI067190001",
            3,
            1,
            1,
            montant_socle="",
            etp_conventionnes="2",
            milieu_penitentiaire="oui",
            raison_sociale="Ateliers de la maison d'arrêt",
        ),
        _structure("EI067190002", 8, 3, 5, milieu_penitentiaire="non"),
        _structure("EI067190003", 2, 1, 1, milieu_penitentiaire="non", montant_socle="50000"),
    ]
    signature = Signature(lieu="Strasbourg", signataire="Jeanne Martin", date=dt.date(2019, 6, 14))
    return _campagne(dossier, 2019, structures, "5000", signature)


def test_lettre_d_une_structure_en_etablissement_penitentiaire(penitentiaire):
    chemin = penitentiaire / "lettres" / "notification_2019-67-EI-EI067190001.docx"
    paragraphes, tableaux = _lettre(chemin)
    assert len(tableaux) == 1  # aucun critère comparé : pas de tableau
    debut = paragraphes.index("Le calcul de votre montant")
    assert paragraphes[debut + 1 : debut + 4] == [
        "Votre structure étant implantée en établissement pénitentiaire, le montant de sa part "
        "modulée est fixé à 5,00 % de son montant socle (arrêté du 27 février 2019), sans "
        "comparaison avec les autres structures.",
        "Taux de modulation : 5,00 %. Montant calculé = montant socle de l'aide au poste "
        "conventionnée × taux, au centime : 12 624,00 € × 5,00 % = 631,20 €.",
        "Ce montant, à taux fixe, n'est pas modifié par l'enveloppe régionale (Grand Est, "
        "5 000,00 €) : il est financé en premier.",
    ]
    assert tableaux[0][0].startswith("RÉPUBLIQUE FRANÇAISE\nPRÉFET DU BAS-RHIN\n")


def test_montants_a_taux_fixe_pris_d_abord(penitentiaire):
    chemin = penitentiaire / "lettres" / "notification_2019-67-EI-EI067190002.docx"
    paragraphes, _ = _lettre(chemin)
    assert paragraphes[paragraphes.index("Le calcul de votre montant") + 3] == (
        "L'enveloppe régionale (Grand Est) est de 5 000,00 €. Pris d'abord : les montants à taux "
        "fixe des structures implantées en établissement pénitentiaire, 631,20 €. Reste à "
        "répartir : 5 000,00 € − 631,20 € = 4 368,80 €. Le total des montants calculés des "
        "autres structures de la région, 10 000,00 €, dépasse ce montant : chacun est réduit en "
        "proportion, au centime inférieur. Votre montant modulé : 10 000,00 € × 4 368,80 € / "
        "10 000,00 € = 4 368,80 € (taux effectif : 4,37 %)."
    )
