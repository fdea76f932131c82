"""Notifications du montant modulé (note DGEFP 2014-04, annexe 4) : lettres, index, PDF, CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from aides import DEMO, calculer, grand_livre_calcule
from iae_modulation.commandes import notifications as commande
from iae_modulation.documents import pdf
from iae_modulation.documents.modeles_source import construire_notification
from iae_modulation.documents.notifications import (
    CHAMPS_NOTIFICATION,
    CHAMPS_OBLIGATOIRES,
    ENTETES_INDEX,
    MODELE_NOTIFICATION,
    generer_notifications,
    valeurs_notification,
)
from iae_modulation.documents.publipostage import ErreurModele, ModeleCompile
from iae_modulation.documents.signature import Signature
from iae_modulation.resultats import lire_grand_livre
from pypdf import PdfReader

NBSP = "\u00a0"
SIGNATURE = Signature(
    region="Grand Est", lieu="Strasbourg", signataire="Jeanne Martin", date=dt.date(2026, 11, 22)
)
DONNEES = [
    # identifiant, siret, raison_sociale, adresse, code_postal, commune
    (
        "ACI051230010",
        "46270107900016",
        "Les Jardins de la Vesle",
        "14 chemin des Maraîchers",
        "51100",
        "Reims",
    ),
    ("EI054180019", "01234567800012", "Emmaüs & Co <Nord>", "2 rue de la Paix", "54000", "Nancy"),
    ("AI057190001", "11122233300044", "Coup de main Moselle", "", "57000", "Metz"),
    ("ACI067200002", "85568983200027", "Chantier du Rhin", "", "", ""),
]
COLONNES_IDENTITE = ("identifiant", "siret", "raison_sociale", "adresse", "code_postal", "commune")
# mêmes indicateurs partout : les deux ACI sont ex-æquo, l'EI et l'AI seules de leur groupe ;
# toutes ont 5 % d'un socle de 100 000 € : 5 000,00 € ; l'EI n'a pas de bénéficiaires connus
INDICATEURS = {
    "nb_salaries_insertion": "20",
    "nb_beneficiaires_minima": "10",
    "etp_encadrement": "3",
    "etp_insertion": "8",
    "sorties_totales": "10",
    "sorties_emploi_durable": "3",
    "sorties_emploi_transition": "2",
    "sorties_positives": "2",
}
# versé 2014, ETP conventionnés et réalisés 2014 : 2 000 × (4 − 3) / 4 = 500 ;
# 20 000 × (2 − 0) / 2 = 20 000, dont 15 000 au-delà des 5 000 € modulés
VERSEMENTS = {"EI054180019": ("2000,00", "4", "3"), "AI057190001": ("20000,00", "2", "0")}


def _structures() -> list[dict]:
    structures = []
    for valeurs in DONNEES:
        identite = dict(zip(COLONNES_IDENTITE, valeurs, strict=True))
        type_ = identite["identifiant"].rstrip("0123456789")
        departement = identite["identifiant"][len(type_) : len(type_) + 3].lstrip("0")
        indicateurs = dict(INDICATEURS)
        if type_ == "EI":
            indicateurs["nb_beneficiaires_minima"] = ""
        structures.append(
            {
                **identite,
                "type": type_,
                "departement": departement,
                "montant_socle": "100000",
                **indicateurs,
            }
        )
    return structures


@pytest.fixture
def entrees(tmp_path) -> tuple[Path, Path]:
    """Le grand livre d'un calcul 2015 (régularisation des versements 2014) et ses données."""
    resultats = grand_livre_calcule(tmp_path / "calcul", _structures(), 2015, versements=VERSEMENTS)
    return resultats, tmp_path / "calcul-donnees.csv"


def _texte(chemin: Path) -> str:
    document = docx.Document(str(chemin))
    textes = [p.text for p in document.paragraphs]
    for tableau in document.tables:
        textes += [" | ".join(c.text for c in ligne.cells) for ligne in tableau.rows]
    return "\n".join(textes).replace(NBSP, " ")


def _generer(entrees, sortie: Path, **options):
    resultats, donnees = entrees
    options.setdefault("signature", SIGNATURE)
    options.setdefault("pdf", False)
    return generer_notifications(resultats, donnees, 2015, sortie, progression=False, **options)


def test_lettre_d_une_structure_connue(calculs, tmp_path):
    generer_notifications(
        calculs[2026], None, 2026, tmp_path / "sortie", signature=SIGNATURE, pdf=False
    )
    texte = _texte(tmp_path / "sortie" / "notification_2026-51-ACI-ACI051230010.docx")
    for attendu in (
        "RÉPUBLIQUE FRANÇAISE\nPRÉFET DE LA MARNE\nDirection départementale de l'emploi, du "
        "travail et des solidarités (DDETS)",
        "Les Jardins de la Vesle\nÀ l'attention de Monsieur le Président ou Madame la "
        "Présidente\n14 chemin des Maraîchers\n51100 Reims",
        "Référence : 2026-51-ACI-ACI051230010",
        "SIRET 46270107900016, annexe financière n° ACI051230010",
        "atelier et chantier d'insertion",
        "Madame la Présidente, Monsieur le Président,",
        "au titre de l'année 2026 s'élève à 13 901,57 €.",
        "calculés sur ses données de l'année 2025",
        # grand livre de la démo : 10 / 22, rang 3 sur 21 ; 3,46 / 8,58, rang 19 ; 7 / 10, 21
        "Publics (35 %) | 10 bénéficiaires de minima sociaux (RSA, ASS, AAH) / 22 salariés en "
        "insertion | 45,45 % | 3 sur 21 | 0,1000",
        "Efforts d'insertion (40 %) | 3,46 ETP d'encadrement / 8,58 ETP en insertion | 40,33 % "
        "| 19 sur 21 | 0,9000",
        "Résultats (25 %) | 7 sorties dynamiques (emploi durable, de transition, positives) / 10 "
        "sorties | 70,00 % | 21 sur 21 | 1,0000",
        # 0,35 × 0,1 + 0,40 × 0,9 + 0,25 × 1 = 0,645 ; 215 528,21 × 6,45 % = 13 901,569…
        "10 % × (35 % × 0,1000 + 40 % × 0,9000 + 25 % × 1,0000) = 6,45 %. Montant calculé = "
        "montant socle de l'aide au poste conventionnée × taux, au centime : 215 528,21 € × "
        "6,45 % = 13 901,57 €.",
        "Ce montant de 13 901,57 € vous sera versé par l'Agence de services et de paiement",
        "Agence de services et de paiement (ASP)",
        "recours gracieux",
        "recours hiérarchique",
        "tribunal administratif",
        "deux mois",
        "Télérecours citoyens",
        "Strasbourg, le 22 novembre 2026",
        "Jeanne Martin",
    ):
        assert attendu in texte
    assert "régularisation" not in texte.casefold()
    assert "enveloppe" not in texte  # 215 528,21 € × 6,45 % = 13 901,57 € : pas de réduction
    assert "{{" not in texte


def test_montant_reduit_par_l_enveloppe_explique(tmp_path):
    """Démo : l'enveloppe du Grand Est ramène 13 901,57 € (6,45 % du socle) à 13 871,24 €. La
    lettre disait « 13 544,93 €, soit un taux de 6,45 % appliqué au socle de 215 528,21 € » :
    elle donne les deux termes de la réduction, qu'un lecteur peut refaire."""
    enveloppes = str(DEMO / "enveloppes_demo.csv")
    assert calculer(tmp_path / "calcul", 2026, "--enveloppes", enveloppes) == 0
    generer_notifications(
        tmp_path / "calcul" / "resultats.csv",
        None,
        2026,
        tmp_path / "s",
        signature=SIGNATURE,
        progression=False,
        pdf=False,
    )
    texte = _texte(tmp_path / "s" / "notification_2026-51-ACI-ACI051230010.docx")
    assert "s'élève à 13 871,24 €." in texte
    # 13 901,57 × 295 600,00 / 296 246,13 = 13 871,249… : le lecteur retrouve le montant
    assert (
        "= 13 901,57 €.\nL'enveloppe régionale (Grand Est) est de 295 600,00 €. Le total des "
        "montants calculés de la région, 296 246,13 €, dépasse ce montant : chacun est réduit en "
        "proportion, au centime inférieur. Votre montant modulé : 13 901,57 € × 295 600,00 € / "
        "296 246,13 € = 13 871,24 € (taux effectif : 6,44 %)."
    ) in texte


def test_regularisation_et_reste_a_deduire(entrees, tmp_path):
    _generer(entrees, tmp_path / "sortie")
    texte = _texte(tmp_path / "sortie" / "notification_2015-54-EI-EI054180019.docx")
    assert (
        "Le montant versé en 2014 au titre de la modulation pour des postes non réalisés en 2014 "
        "est déduit (note DGEFP n° 2014-04) : 2 000,00 € × (4,00 ETP conventionnés − 3,00 ETP "
        "réalisés) / 4,00 = 500,00 €. Montant net : 4 500,00 €."
    ) in texte
    assert "Ce montant de 4 500,00 € vous sera versé" in texte
    # seule EI du Grand Est, sans bénéficiaires connus : non calculable, sans rang, 0,5
    assert (
        "Publics (35 %) | — bénéficiaires de minima sociaux (RSA socle, ASS, AAH) / 20 salariés "
        "en insertion | non calculable | — | 0,5000"
    ) in texte
    # « non calculable » ne se coupe jamais au milieu (espace insécable, colonne assez large)
    tableau = docx.Document(str(tmp_path / "sortie" / "notification_2015-54-EI-EI054180019.docx"))
    assert tableau.tables[1].rows[1].cells[2].text == f"non{NBSP}calculable"
    assert "le reste" not in texte
    texte = _texte(tmp_path / "sortie" / "notification_2015-57-AI-AI057190001.docx")
    assert "20 000,00 € × (2,00 ETP conventionnés − 0,00 ETP réalisés) / 2,00 = 20 000,00 €" in (
        texte
    )
    assert "Montant net : 0,00 €." in texte
    assert "le reste, 15 000,00 €, sera déduit par l'Agence de services et de paiement" in texte
    assert "Aucun versement ne sera donc effectué au titre du montant modulé de l'année 2015" in (
        texte
    )
    assert "vous sera versé" not in texte


def test_echappement_du_nom(entrees, tmp_path):
    _generer(entrees, tmp_path / "sortie")
    texte = _texte(tmp_path / "sortie" / "notification_2015-54-EI-EI054180019.docx")
    assert (
        "Emmaüs & Co <Nord>\nÀ l'attention de Monsieur le Président ou Madame la Présidente\n"
        "2 rue de la Paix\n54000 Nancy"
    ) in texte
    assert "Structure : Emmaüs & Co <Nord> (entreprise d'insertion), SIRET 01234567800012" in texte


def test_une_lettre_par_structure_et_index_complet(entrees, tmp_path):
    rapport = _generer(entrees, tmp_path / "sortie")
    sortie = tmp_path / "sortie"
    lettres = sorted(p.name for p in sortie.glob("*.docx"))
    assert lettres == sorted(
        f"notification_2015-{i}.docx"
        for i in ("51-ACI-ACI051230010", "54-EI-EI054180019", "57-AI-AI057190001")
        + ("67-ACI-ACI067200002",)
    )
    assert rapport.nb_lettres == 4 and len(rapport.lignes) == 4
    feuille = openpyxl.load_workbook(sortie / "notifications.xlsx").active
    assert feuille.title == "Notifications"
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0] == tuple(entete for entete, _, _ in ENTETES_INDEX)
    assert [ligne[0] for ligne in lignes[1:]] == [
        "ACI051230010",
        "EI054180019",
        "AI057190001",
        "ACI067200002",
    ]
    premiere = dict(zip(lignes[0], lignes[1], strict=True))
    assert premiere["Structure"] == "Les Jardins de la Vesle"
    assert Decimal(str(premiere["Montant modulé"])) == Decimal("5000.00")
    assert Decimal(str(premiere["Montant net versé"])) == Decimal("5000.00")
    assert premiere["Lettre Word"] == "notification_2015-51-ACI-ACI051230010.docx"
    assert premiere["Statut"] == "produite"
    regularisee = dict(zip(lignes[0], lignes[2], strict=True))
    assert regularisee["Structure"] == "Emmaüs & Co <Nord>"
    assert Decimal(str(regularisee["Régularisation 2014"])) == Decimal("500")
    assert Decimal(str(regularisee["Montant net versé"])) == Decimal("4500.00")
    manifeste = json.loads((sortie / "manifeste.json").read_text("utf-8"))
    fichiers = {s["fichier"] for s in manifeste["sorties"]}
    assert {"notifications.xlsx", *lettres} <= fichiers
    assert {e["role"] for e in manifeste["entrees"]} == {"resultats", "donnees", "modele"}


def test_structures_sans_adresse_signalees(entrees, tmp_path):
    rapport = _generer(entrees, tmp_path / "sortie")
    statuts = {ligne.identifiant: ligne.statut for ligne in rapport.lignes}
    assert statuts["AI057190001"] == "adresse incomplète (adresse) : à compléter avant envoi"
    assert statuts["ACI067200002"] == (
        "adresse incomplète (adresse, code postal, commune) : à compléter avant envoi"
    )
    assert rapport.alertes == [
        "AI057190001 (Coup de main Moselle) : adresse incomplète (adresse) : à compléter avant "
        "envoi",
        "ACI067200002 (Chantier du Rhin) : adresse incomplète (adresse, code postal, commune) : "
        "à compléter avant envoi",
    ]
    assert "2 structure(s) à vérifier" in rapport.resume()
    assert (tmp_path / "sortie" / "notification_2015-67-ACI-ACI067200002.docx").exists()


def test_annee_2014_taux_forfaitaire(calculs, tmp_path):
    generer_notifications(
        calculs[2014], None, 2014, tmp_path / "s", signature=SIGNATURE, progression=False, pdf=False
    )
    chemin = tmp_path / "s" / "notification_2014-51-ACI-ACI051230010.docx"
    texte = _texte(chemin)
    assert (
        "« la part modulée est fixée au taux de 5 % du montant socle de l'aide au poste "
        "conventionnée par structure en 2014 (incluant, le cas échéant, le cofinancement du "
        "conseil général) »"
    ) in texte
    assert (
        "le montant versé en 2014 au titre de la modulation pour des postes non réalisés en "
        in (texte)
    )
    assert "sera déduit du montant versé en 2015" in texte
    assert "s'élève à 10 776,41 €" in texte
    # 215 528,21 × 5 % = 10 776,41 € ; aucun indicateur comparé : pas de tableau des critères
    assert (
        "Taux de modulation : 5,00 %. Montant calculé = montant socle de l'aide au poste "
        "conventionnée × taux, au centime : 215 528,21 € × 5,00 % = 10 776,41 €."
    ) in texte
    assert len(docx.Document(str(chemin)).tables) == 1


def test_champ_inconnu_refuse_avant_toute_lettre(entrees, tmp_path):
    modele = tmp_path / "modele.docx"
    document = docx.Document(str(MODELE_NOTIFICATION))
    document.add_paragraph("Suivi par {{ agent_instructeur }}")
    document.save(str(modele))
    with pytest.raises(ErreurModele, match=r"champs inconnus : \{\{ agent_instructeur \}\}"):
        _generer(entrees, tmp_path / "sortie", modele=modele)
    assert not (tmp_path / "sortie").exists()


def test_champ_obligatoire_absent_refuse(entrees, tmp_path):
    modele = tmp_path / "modele.docx"
    document = docx.Document()
    document.add_paragraph("{{ raison_sociale }} : {{ montant_module }}")
    document.save(str(modele))
    with pytest.raises(ErreurModele) as erreur:
        _generer(entrees, tmp_path / "sortie", modele=modele)
    assert (
        "champs obligatoires absents : {{ adresse }}, {{ annee }}, {{ calcul_montant }}, "
        "{{ calcul_taux }}, {{ code_postal }}"
    ) in str(erreur.value)
    assert not (tmp_path / "sortie").exists()


def test_modele_livre_complet_et_identique_au_script(tmp_path):
    livre = ModeleCompile(MODELE_NOTIFICATION)
    livre.verifier_champs(CHAMPS_NOTIFICATION, CHAMPS_OBLIGATOIRES)
    # champs facultatifs : département, région, socle et mots datés qu'un agent peut ajouter
    facultatifs = {
        "departement",
        "region",
        "montant_socle",
        "minima_sociaux",
        "service_regional",
        "service_departemental",
        "organisme_emploi",
        "instance_departementale_iae",
    }
    assert livre.champs == CHAMPS_NOTIFICATION - facultatifs
    (tmp_path / "reconstruit.docx").write_bytes(construire_notification())
    assert [p.text for p in docx.Document(str(MODELE_NOTIFICATION)).paragraphs] == [
        p.text for p in docx.Document(str(tmp_path / "reconstruit.docx")).paragraphs
    ]


def test_commande_codes_de_sortie(entrees, tmp_path, capsys):
    resultats, donnees = entrees
    parseur = __import__("argparse").ArgumentParser()
    commande.enregistrer(parseur.add_subparsers())
    base = [
        "notifications",
        str(resultats),
        "--donnees",
        str(donnees),
        "--annee",
        "2015",
        "--sortie",
        str(tmp_path / "cli"),
        "--lieu",
        "Metz",
        "--signataire",
        "Jeanne Martin",
        "--date",
        "2026-11-22",
        "--sans-pdf",
    ]
    args = parseur.parse_args(base)
    assert args.executer(args) == 0
    assert "4 lettre(s) de notification écrite(s) sur 4 structure(s)" in capsys.readouterr().out
    lettre = tmp_path / "cli" / "notification_2015-54-EI-EI054180019.docx"
    assert "Metz, le 22 novembre 2026" in _texte(lettre)
    args = parseur.parse_args(base)
    assert args.executer(args) == 2
    assert "existe déjà" in capsys.readouterr().err
    args = parseur.parse_args([*base, "--ecraser"])
    assert args.executer(args) == 0
    args = parseur.parse_args(["notifications", str(tmp_path / "absent.csv"), *base[2:]])
    assert args.executer(args) == 2
    assert "Fichier introuvable" in capsys.readouterr().err


@pytest.mark.skipif(not pdf.libreoffice_disponible(), reason="LibreOffice n'est pas installé")
def test_pdf_contient_nom_et_montant(entrees, tmp_path):
    rapport = _generer(entrees, tmp_path / "sortie", pdf=True)
    sortie = tmp_path / "sortie"
    texte = " ".join(
        page.extract_text()
        for page in PdfReader(sortie / "notification_2015-54-EI-EI054180019.pdf").pages
    )
    texte = " ".join(texte.replace(NBSP, " ").split())
    assert "Emmaüs & Co <Nord>" in texte and "5 000,00 €" in texte and "4 500,00 €" in texte
    assert rapport.pdf_fusionne == sortie / "notifications_a_imprimer.pdf"
    pages = sum(len(PdfReader(p).pages) for p in sortie.glob("notification_*.pdf"))
    assert len(PdfReader(rapport.pdf_fusionne).pages) == pages >= 4
    assert [ligne.pdf for ligne in rapport.lignes][:2] == [
        "notification_2015-51-ACI-ACI051230010.pdf",
        "notification_2015-54-EI-EI054180019.pdf",
    ]


def test_chaque_champ_accepte_recoit_une_valeur(entrees):
    resultats, _ = entrees
    structure = lire_grand_livre(resultats).lignes[1]
    valeurs = valeurs_notification(structure, SIGNATURE)
    assert set(valeurs) == CHAMPS_NOTIFICATION
    assert valeurs["regularisation"] == f"500,00{NBSP}€"
    assert valeurs["signataire"] == "Jeanne Martin"
