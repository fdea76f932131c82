"""Les tableaux annexés de l'annexe 5 sur papier : A4 à 8 points au moins (vues imprimées quand
la feuille de l'écran est trop large), tableau des ETTI coupé comme celui des EI, colonnes de la
régularisation 2014 seulement là où il y en a une, PROJET sur chaque page d'un tableau non signé,
phrase du taux lue dans le grand livre (méthode, plafond). Rendu vérifié par LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from aides import ecrire_csv, grand_livre_calcule
from iae_modulation.annexe5 import executer_annexe5, nom_fichier_tableau
from iae_modulation.cli import main
from iae_modulation.documents import pdf
from iae_modulation.documents.decision_asp import nom_fichier_decision
from iae_modulation.documents.signature import Signature
from iae_modulation.exports.exemples import ecrire_export_xlsx
from iae_modulation.mise_en_page import taille_imprimee, vues_imprimees
from iae_modulation.rapprochement import texte_docx
from pypdf import PdfReader

LIBREOFFICE = pytest.mark.skipif(
    not pdf.libreoffice_disponible(), reason="LibreOffice absent (la CI l'installe)"
)
SIGNEE = Signature(lieu="Nancy", signataire="Jeanne Martin", date=dt.date(2015, 6, 15))
PROJET = Signature(date=dt.date(2015, 6, 15))
REGULARISATION = [
    "Montant modulé",
    "Régularisation 2014",
    "Montant modulé prévu (net à verser)",
    "Reste à déduire de l'aide au poste",
]
ETAT_DE_PAIEMENT = ["no Présage", "Montant prévu de l'Aide FSE=AE", "Montant total prévu = AE"]
ETAT_DE_PAIEMENT += ["Montant payé = CP", "Reste à payer"]


# --- le découpage, sur des largeurs simples ----------------------------------------------------


def test_taille_imprimee_et_vues_calculees_a_la_main():
    # Une colonne de 10 chiffres : (10 + 5/7) × 5,56 = 59,57 points (LibreOffice, plus large
    # qu'Excel : (70 + 5) × 0,75 = 56,25). Paysage au-delà de 100 chiffres ; largeur utile
    # 841,89 − 0,8 × 72 = 784,29 points.
    # 10 colonnes (100 chiffres, portrait, 537,68 utiles) : 537,68 / 595,71 = 90,3 % -> 9,0 pt
    assert taille_imprimee([10] * 10) == 9.0
    assert vues_imprimees([10] * 10, (0,)) == [list(range(10))]
    # 20 colonnes : 784,29 / 1 191,43 = 65,8 % -> 6,5 pt ; 16 : 82,3 % -> 8,2 pt ; 17 : 7,7 pt
    assert taille_imprimee([10] * 20) == 6.5
    assert taille_imprimee([10] * 16) == 8.2
    assert taille_imprimee([10] * 17) == 7.7
    # la colonne 0 répétée, plus au plus 15 autres par vue : 19 autres -> 2 vues, 9 et 10
    assert vues_imprimees([10] * 20, (0,)) == [list(range(10)), [0, *range(10, 20)]]


# --- une campagne 2015 : 5 ETTI dont 3 régularisent un versement 2014, 3 AI sans versement ----


def _structure(identifiant: str, type_: str, socle: str, n: int) -> dict:
    return {
        "identifiant": identifiant,
        "siret": f"{12345678900000 + n:014d}",
        "raison_sociale": f"Structure d'insertion numéro {n} de Lorraine",
        "type": type_,
        "departement": "54",
        "etp_conventionnes": "5",
        "etp_realises": "5",
        "montant_socle": socle,
        "dont_cofinancement_cd": "0",
        "commune": "Nancy",
        "milieu_penitentiaire": "non",
        "nb_salaries_insertion": str(10 + n),
        "nb_beneficiaires_minima": str(3 + n % 4),
        "etp_encadrement": "1",
        "etp_insertion": str(3 + n % 3),
        "sorties_totales": "6",
        "sorties_emploi_durable": str(n % 3),
        "sorties_emploi_transition": "1",
        "sorties_positives": "1",
    }


STRUCTURES = [
    _structure(f"ETTI05415000{n}", "ETTI", f"{115000 + n * 1000}.00", n) for n in (1, 2, 3, 4, 5)
]
STRUCTURES += [_structure(f"AI05415000{n}", "AI", f"{40000 + n * 100}.00", n) for n in (6, 7, 8)]


@pytest.fixture(scope="module")
def campagne(tmp_path_factory) -> dict[str, Path]:
    dossier = tmp_path_factory.mktemp("campagne")
    versements = {f"ETTI05415000{n}": ("2000.00", "4", "3") for n in (1, 2, 3)}
    livre = grand_livre_calcule(dossier / "calcul", STRUCTURES, 2015, versements=versements)
    table = pd.DataFrame(STRUCTURES)
    sorties = {}
    for nom, mesure, options in (
        ("ETTI", "ETTI", {"signature": PROJET}),
        ("ETTI note", "ETTI", {"signature": PROJET, "colonnes_de_la_note": True}),
        ("ETTI signé", "ETTI", {"signature": SIGNEE}),
        ("AI", "AI", {"signature": PROJET}),
    ):
        export = ecrire_export_xlsx(table, mesure, 2015, dossier / f"{mesure}.xlsx")
        sortie = dossier / nom
        rapport = executer_annexe5(
            export, mesure, 2015, sortie, resultats=livre, pdf=False, **options
        )
        assert rapport.code_sortie == 0, rapport.erreur
        projet = options["signature"].projet
        sorties[nom] = sortie / nom_fichier_tableau(2015, mesure, "54", projet)
    return sorties


def _entetes(feuille, ligne: int = 4) -> list[str]:
    return [c.value for c in feuille[ligne] if c.value is not None]


def test_etti_coupe_comme_les_ei_avec_les_colonnes_de_la_regularisation(campagne):
    tableau = openpyxl.load_workbook(campagne["ETTI"])["Tableau"]
    entetes = _entetes(tableau)
    assert entetes[-4:] == REGULARISATION
    assert not set(ETAT_DE_PAIEMENT) & set(entetes)  # « Reste à payer » ne côtoie plus rien
    note = _entetes(openpyxl.load_workbook(campagne["ETTI note"])["Tableau"])
    assert set(ETAT_DE_PAIEMENT) <= set(note) and note[-4:] == REGULARISATION


def test_aucune_colonne_de_regularisation_sans_versement_2014(campagne):
    livre = openpyxl.load_workbook(campagne["AI"])
    assert _entetes(livre["Tableau"])[-2:] == [
        "Montant total de l'aide au poste",
        "Montant prévu modulation",
    ]
    controle = _entetes(livre["Contrôle"], 1)
    assert "Régularisation 2014" not in controle
    assert "Reste à déduire de l'aide au poste" not in controle
    assert "versé en 2014" not in livre["Tableau"]["A2"].value  # ni la phrase qui le dit
    etti = openpyxl.load_workbook(campagne["ETTI"])["Tableau"]["A2"].value
    assert "Le montant versé en 2014 au titre de la modulation" in etti


def test_vues_imprimees_repetent_la_structure_et_couvrent_le_tableau(campagne):
    livre = openpyxl.load_workbook(campagne["ETTI"])
    assert livre.sheetnames[:3] == [
        "Tableau",
        "Tableau (impression 1 sur 2)",
        "Tableau (impression 2 sur 2)",
    ]
    ecran = _entetes(livre["Tableau"])
    vues = [_entetes(livre[f"Tableau (impression {n} sur 2)"]) for n in (1, 2)]
    for vue in vues:
        assert {"Raison sociale", "N° annexe financière"} <= set(vue)
        assert [e for e in ecran if e in vue] == vue  # l'ordre de l'écran
    assert set(vues[0]) | set(vues[1]) == set(ecran)
    assert vues[1][-4:] == REGULARISATION  # les montants ensemble, avec leur total
    total = [c.value for c in livre["Tableau (impression 2 sur 2)"][10]]
    assert total[0] == "Total" and total[-2] == pytest.approx(27948.70)
    assert (
        "imprimez les feuilles « Tableau (impression 1 sur 2) » et « Tableau (impression 2 sur 2) »"
        in (livre["Tableau"]["A2"].value)
    )


def test_projet_en_tete_de_chaque_page_et_dans_le_classeur(campagne):
    projet = openpyxl.load_workbook(campagne["ETTI"])
    for feuille in projet.worksheets:
        assert "PROJET — non signé" in feuille.oddHeader.center.text, feuille.title
    assert "PROJET — non signé" in projet["Tableau"]["A3"].value
    signe = openpyxl.load_workbook(campagne["ETTI signé"])
    for feuille in signe.worksheets:
        assert "PROJET" not in (feuille.oddHeader.center.text or ""), feuille.title
    assert signe["Tableau"]["A3"].value is None


def _taille_du_texte(page) -> float:
    """La taille (points) qui porte le plus de caractères sur la page : celle du tableau."""
    tailles: Counter[float] = Counter()

    def visiteur(texte, cm, tm, police, taille):
        if texte.strip():
            tailles[round(taille * abs(tm[3] * cm[3] + tm[2] * cm[1]), 1)] += len(texte.strip())

    page.extract_text(visitor_text=visiteur)
    return tailles.most_common(1)[0][0]


@LIBREOFFICE
@pytest.mark.parametrize("nom", ["ETTI", "ETTI note", "AI"])
def test_chaque_page_imprimee_se_lit_a_8_points(campagne, nom, tmp_path):
    """Les feuilles faites pour le papier (les vues quand il y en a, sinon le tableau et son
    contrôle) rendues par LibreOffice : le tableau s'y imprime à 8 points au moins."""
    livre = openpyxl.load_workbook(campagne[nom])
    vues = [f for f in livre.sheetnames if "impression" in f]
    for feuille in list(livre.sheetnames):
        if (
            vues
            and feuille in ("Tableau", "Contrôle")
            and f"{feuille} (impression 1 sur 2)" in vues
        ):
            del livre[feuille]
    copie = tmp_path / "papier.xlsx"
    livre.save(copie)
    subprocess.run(
        [
            pdf.chemin_soffice(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(copie),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    pages = PdfReader(str(tmp_path / "papier.pdf")).pages
    assert len(pages) >= len(livre.sheetnames)
    for numero, page in enumerate(pages, start=1):
        assert _taille_du_texte(page) >= 8, (nom, numero)


# --- la phrase du taux : la méthode et le plafond du grand livre -------------------------------

ACI = [
    {**_structure(f"ACI05426000{n}", "ACI", socle, n), "departement": "54"}
    for n, socle in ((1, "100000.00"), (2, "80000.00"), (3, "50000.00"))
]


def _phrase_du_tableau(dossier: Path, methode: str | None) -> tuple[str, str]:
    """(phrase du tableau annexé, texte de la décision) d'une campagne 2026 des trois ACI,
    calculée avec le fichier de méthode `methode` (None : la méthode par défaut)."""
    donnees = ecrire_csv(dossier / "donnees.csv", ACI)
    commande = ["calculer", str(donnees), "--annee", "2026", "--sortie", str(dossier / "calcul")]
    if methode is not None:
        (dossier / "methode.yaml").write_text(methode, encoding="utf-8")
        commande += ["--methode-fichier", str(dossier / "methode.yaml")]
    assert main(commande) == 0
    export = ecrire_export_xlsx(pd.DataFrame(ACI), "ACI", 2026, dossier / "ACI.xlsx")
    signature = Signature(lieu="Nancy", signataire="Jeanne Martin", date=dt.date(2026, 6, 15))
    rapport = executer_annexe5(
        export,
        "ACI",
        2026,
        dossier / "asp",
        resultats=dossier / "calcul" / "resultats.csv",
        signature=signature,
        pdf=False,
    )
    assert rapport.code_sortie == 0, rapport.erreur
    tableau = openpyxl.load_workbook(dossier / "asp" / "annexe5_2026_54_ACI.xlsx")["Tableau"]
    decision = texte_docx(dossier / "asp" / nom_fichier_decision(2026, "ACI", "54"))
    return tableau["A2"].value.replace("\u00a0", " "), decision.replace("\u00a0", " ")


def test_phrase_du_taux_dit_la_methode_regionale_et_son_plafond(tmp_path):
    """Avant : « de 0 à 10 % » et « pondération par défaut » quelle que soit la méthode."""
    methode = (
        "nom: Poids 50/30/20\nnotation: rang\npoids: {publics: 50, effort: 30, resultats: 20}\n"
        "plafond: 8\nrepartition: plafond\n"
    )
    phrase, decision = _phrase_du_tableau(tmp_path, methode)
    attendu = (
        "son taux de modulation (de 0 à 8 %), déterminé au vu des caractéristiques des publics "
        "embauchés, des efforts d'insertion et des résultats obtenus (articles R. 5132-7, "
    )
    assert attendu in phrase and attendu in decision
    regionale = (
        "pondération de la méthode régionale : publics 50 %, efforts d'insertion 30 %, "
        "résultats 20 %), selon la méthode « Poids 50/30/20 »."
    )
    assert regionale in phrase and regionale in decision
    for texte in (phrase, decision):
        assert "pondération par défaut" not in texte and "de 0 à 10 %" not in texte


def test_phrase_du_taux_de_la_methode_par_defaut(tmp_path):
    phrase, _ = _phrase_du_tableau(tmp_path, None)
    assert "son taux de modulation (de 0 à 10 %)" in phrase
    assert "annexe 2, pour la pondération par défaut)." in phrase
    assert "selon la méthode" not in phrase
