"""Notifications du montant modulé (note DGEFP 2014-04, annexe 4) : lettres, index, PDF, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
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
from iae_modulation.resultats import COLONNES_RESULTATS, ecrire_resultats_csv, lire_resultats_csv
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
]


def _ecrire_donnees(chemin: Path) -> Path:
    entetes = [
        "identifiant",
        "siret",
        "raison_sociale",
        "adresse",
        "code_postal",
        "commune",
        "type",
        "departement",
        "montant_socle",
        "nb_salaries_insertion",
        "nb_beneficiaires_minima",
        "etp_encadrement",
        "etp_insertion",
        "sorties_totales",
        "sorties_emploi_durable",
        "sorties_emploi_transition",
        "sorties_positives",
    ]
    with open(chemin, "w", encoding="utf-8", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";")
        ecrivain.writerow(entetes)
        for identifiant, *reste in DONNEES:
            type_ = identifiant.rstrip("0123456789")
            departement = identifiant[len(type_) : len(type_) + 3].lstrip("0")
            indicateurs = ["20", "10", "3", "8", "10", "3", "2", "2"]
            ecrivain.writerow([identifiant, *reste, type_, departement, "100000", *indicateurs])
    return chemin


def _resultat(identifiant: str, type_: str, departement: str, **montants) -> dict:
    ligne = {colonne: None for colonne in COLONNES_RESULTATS}
    ligne.update(
        identifiant=identifiant,
        siret="",
        raison_sociale=f"Nom du calcul {identifiant}",
        type=type_,
        departement=departement,
        region="Grand Est",
        methode="rang",
        justification="",
        anomalies="",
        publics=Decimal("0.4545"),
        effort=Decimal("0.4033"),
        resultats=Decimal("0.7"),
        score_publics=Decimal("0.1053"),
        score_effort=Decimal("0.8947"),
        score_resultats=Decimal("1"),
        taux_modulation=Decimal("0.0645"),
        montant_socle=Decimal("215528.21"),
        montant_module=Decimal("13901.57"),
        montant_net=Decimal("13901.57"),
    )
    ligne.update(montants)
    return ligne


def _ecrire_resultats(chemin: Path, lignes: list[dict]) -> Path:
    return ecrire_resultats_csv(pd.DataFrame(lignes, columns=list(COLONNES_RESULTATS)), chemin)


@pytest.fixture
def entrees(tmp_path) -> tuple[Path, Path]:
    resultats = _ecrire_resultats(
        tmp_path / "resultats.csv",
        [
            _resultat("ACI051230010", "ACI", "51"),
            _resultat(
                "EI054180019",
                "EI",
                "54",
                publics=None,
                score_publics=Decimal("0.5"),
                regularisation=Decimal("500.00"),
                montant_net=Decimal("13401.57"),
            ),
            _resultat(
                "AI057190001",
                "AI",
                "57",
                montant_module=Decimal("13901.57"),
                regularisation=Decimal("20000.00"),
                montant_net=Decimal("0.00"),
                reste_a_deduire=Decimal("6098.43"),
            ),
            _resultat("ACI067200002", "ACI", "67"),
            _resultat(
                "ACI068200003",
                "ACI",
                "68",
                taux_modulation=None,
                montant_module=None,
                montant_net=None,
                anomalies="montant socle absent",
            ),
        ],
    )
    return resultats, _ecrire_donnees(tmp_path / "donnees.csv")


def _texte(chemin: Path) -> str:
    document = docx.Document(str(chemin))
    textes = [p.text for p in document.paragraphs]
    for tableau in document.tables:
        textes += [" | ".join(c.text for c in ligne.cells) for ligne in tableau.rows]
    return "\n".join(textes).replace(NBSP, " ")


def _generer(entrees, sortie: Path, **options):
    resultats, donnees = entrees
    options.setdefault("signature", SIGNATURE)
    return generer_notifications(resultats, donnees, 2026, sortie, progression=False, **options)


def test_lettre_d_une_structure_connue(entrees, tmp_path):
    _generer(entrees, tmp_path / "sortie")
    texte = _texte(tmp_path / "sortie" / "notification_ACI051230010.docx")
    for attendu in (
        "Préfecture de la région Grand Est",
        "Les Jardins de la Vesle\n14 chemin des Maraîchers\n51100 Reims",
        "SIRET 46270107900016, annexe financière n° ACI051230010",
        "atelier et chantier d'insertion",
        "au titre de l'année 2026 s'élève à 13 901,57 €. Il est calculé avec un taux de "
        "modulation de 6,45 %, appliqué au montant socle de l'aide au poste conventionnée, qui "
        "est de 215 528,21 €.",
        "calculés sur vos données de l'année 2025",
        "Publics | Part des bénéficiaires de minima sociaux (RSA, ASS, AAH) parmi les salariés en "
        "insertion | 45,45 % | 0,11",
        "Effort d'insertion | ETP d'encadrement rapportés aux ETP en insertion | 40,33 % | 0,89",
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


def test_montant_reduit_par_l_enveloppe_explique(entrees, tmp_path):
    """Démo : l'enveloppe du Grand Est ramène 13 901,57 € (6,45 % du socle) à 13 544,93 €. La
    lettre disait « 13 544,93 €, soit un taux de 6,45 % appliqué au socle de 215 528,21 € »."""
    _, donnees = entrees
    resultats = _ecrire_resultats(
        tmp_path / "resultats.csv",
        [_resultat("ACI051230010", "ACI", "51", montant_module=Decimal("13544.93"))],
    )
    generer_notifications(
        resultats, donnees, 2026, tmp_path / "s", signature=SIGNATURE, progression=False
    )
    texte = _texte(tmp_path / "s" / "notification_ACI051230010.docx")
    assert (
        "s'élève à 13 544,93 €. Il est calculé avec un taux de modulation de 6,45 %, appliqué au "
        "montant socle de l'aide au poste conventionnée, qui est de 215 528,21 €.\nCe taux donne "
        "un montant de 13 901,57 € ; pour respecter l'enveloppe régionale, ce montant a été "
        "réduit dans la même proportion que celui de toutes les structures de la région."
    ) in texte


def test_regularisation_et_reste_a_deduire(entrees, tmp_path):
    _generer(entrees, tmp_path / "sortie")
    texte = _texte(tmp_path / "sortie" / "notification_EI054180019.docx")
    assert (
        "non réalisés, soit 500,00 €, est déduit de ce montant. Le montant net qui vous sera "
        "versé s'élève donc à 13 401,57 €."
    ) in texte
    assert "Publics | Part" in texte and "non calculable | 0,50" in texte
    assert "il reste" not in texte
    texte = _texte(tmp_path / "sortie" / "notification_AI057190001.docx")
    assert "soit 20 000,00 €, est déduit" in texte and "s'élève donc à 0,00 €" in texte
    assert "il reste 6 098,43 € à déduire" in texte


def test_echappement_du_nom(entrees, tmp_path):
    _generer(entrees, tmp_path / "sortie")
    texte = _texte(tmp_path / "sortie" / "notification_EI054180019.docx")
    assert "Emmaüs & Co <Nord>\n2 rue de la Paix\n54000 Nancy" in texte
    assert "Structure : Emmaüs & Co <Nord> (entreprise d'insertion), SIRET 01234567800012" in texte


def test_une_lettre_par_structure_et_index_complet(entrees, tmp_path):
    rapport = _generer(entrees, tmp_path / "sortie")
    sortie = tmp_path / "sortie"
    lettres = sorted(p.name for p in sortie.glob("*.docx"))
    assert lettres == sorted(
        f"notification_{i}.docx"
        for i in ("ACI051230010", "EI054180019", "AI057190001", "ACI067200002")
    )
    assert rapport.nb_lettres == 4 and len(rapport.lignes) == 5
    feuille = openpyxl.load_workbook(sortie / "notifications.xlsx").active
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0] == tuple(entete for entete, _ in ENTETES_INDEX)
    assert [ligne[0] for ligne in lignes[1:]] == [
        "ACI051230010",
        "EI054180019",
        "AI057190001",
        "ACI067200002",
        "ACI068200003",
    ]
    premiere = dict(zip(lignes[0], lignes[1], strict=True))
    assert premiere["Structure"] == "Les Jardins de la Vesle"
    assert Decimal(str(premiere["Montant modulé"])) == Decimal("13901.57")
    assert premiere["Lettre Word"] == "notification_ACI051230010.docx"
    assert premiere["Statut"] == "produite"
    assert lignes[2][1] == "Emmaüs & Co <Nord>"
    assert Decimal(str(lignes[2][7])) == Decimal("500")
    assert lignes[5][9] is None  # pas de lettre sans montant
    assert (
        lignes[5][11] == "lettre non produite : montant modulé non calculé (montant socle absent)"
    )
    manifeste = json.loads((sortie / "manifeste.json").read_text("utf-8"))
    fichiers = {s["fichier"] for s in manifeste["sorties"]}
    assert {"notifications.xlsx", *lettres} <= fichiers
    assert {e["role"] for e in manifeste["entrees"]} == {"resultats", "donnees", "modele"}


def test_structures_sans_adresse_signalees(entrees, tmp_path):
    rapport = _generer(entrees, tmp_path / "sortie")
    statuts = {ligne.identifiant: ligne.statut for ligne in rapport.lignes}
    assert statuts["AI057190001"] == "adresse incomplète (adresse) : à compléter avant envoi"
    assert statuts["ACI067200002"] == (
        "structure absente des données : adresse à compléter avant envoi"
    )
    assert rapport.alertes == [
        "AI057190001 (Coup de main Moselle) : adresse incomplète (adresse) : à compléter avant "
        "envoi",
        "ACI067200002 (Nom du calcul ACI067200002) : structure absente des données : adresse à "
        "compléter avant envoi",
        "ACI068200003 (Nom du calcul ACI068200003) : lettre non produite : montant modulé non "
        "calculé (montant socle absent)",
    ]
    assert "3 structure(s) à vérifier" in rapport.resume()
    assert (tmp_path / "sortie" / "notification_ACI067200002.docx").exists()


def test_annee_2014_taux_forfaitaire(entrees, tmp_path):
    _, donnees = entrees
    resultats = _ecrire_resultats(
        tmp_path / "resultats_2014.csv",
        [
            _resultat(
                "ACI051230010",
                "ACI",
                "51",
                methode="forfait 2014",
                taux_modulation=Decimal("0.05"),
                montant_module=Decimal("10776.41"),
                montant_net=Decimal("10776.41"),
            )
        ],
    )
    generer_notifications(
        resultats, donnees, 2014, tmp_path / "s", signature=SIGNATURE, progression=False
    )
    texte = _texte(tmp_path / "s" / "notification_ACI051230010.docx")
    assert "ce taux est fixé à 5 % du montant socle pour toutes les structures" in texte
    assert "Publics | Part des bénéficiaires" in texte and "| sans objet | sans objet" in texte


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
    assert "champs obligatoires absents : {{ adresse }}, {{ annee }}, {{ code_postal }}" in str(
        erreur.value
    )
    assert not (tmp_path / "sortie").exists()


def test_modele_livre_complet_et_identique_au_script(tmp_path):
    livre = ModeleCompile(MODELE_NOTIFICATION)
    livre.verifier_champs(CHAMPS_NOTIFICATION, CHAMPS_OBLIGATOIRES)
    assert livre.champs == CHAMPS_NOTIFICATION - {"departement"}  # champ facultatif
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
        "2026",
        "--sortie",
        str(tmp_path / "cli"),
        "--lieu",
        "Metz",
        "--date",
        "2026-11-22",
    ]
    args = parseur.parse_args(base)
    assert args.executer(args) == 0
    assert "4 lettre(s) de notification écrite(s) sur 5 structure(s)" in capsys.readouterr().out
    assert "Metz, le 22 novembre 2026" in _texte(tmp_path / "cli/notification_EI054180019.docx")
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
        page.extract_text() for page in PdfReader(sortie / "notification_EI054180019.pdf").pages
    )
    texte = " ".join(texte.replace(NBSP, " ").split())
    assert "Emmaüs & Co <Nord>" in texte and "13 901,57 €" in texte and "13 401,57 €" in texte
    assert rapport.pdf_fusionne == sortie / "notifications_a_imprimer.pdf"
    pages = sum(len(PdfReader(p).pages) for p in sortie.glob("notification_*.pdf"))
    assert len(PdfReader(rapport.pdf_fusionne).pages) == pages >= 4
    assert [ligne.pdf for ligne in rapport.lignes][:2] == [
        "notification_ACI051230010.pdf",
        "notification_EI054180019.pdf",
    ]


def test_chaque_champ_accepte_recoit_une_valeur(entrees):
    resultats, _ = entrees
    structure = lire_resultats_csv(resultats).to_dict("records")[1]
    valeurs = valeurs_notification(structure, {}, 2026, SIGNATURE)
    assert set(valeurs) == CHAMPS_NOTIFICATION
    assert valeurs["regularisation"] == f"500,00{NBSP}€"
    assert valeurs["signataire"] == "Jeanne Martin"
