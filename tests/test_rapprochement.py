"""Une campagne cohérente : grand livre, décisions ASP payables, tableaux annexés, lettres et leurs
PDF disent les mêmes montants, et `iae-modulation rapprocher` trouve toute structure oubliée, tout
montant qui diffère d'un centime, tout PDF qui n'est pas celui de son document et toute décision
payable en double ; il écrit le bordereau d'envoi. Les montants sont lus dans les données
intégrées des documents, jamais dans leur formulation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from aides import DEMO, DONNEES, empreinte, empreinte_remise, sortie_capturee
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from iae_modulation.annexe5 import executer_annexe5
from iae_modulation.campagne import executer_calcul
from iae_modulation.cli import main
from iae_modulation.documents import decision_asp
from iae_modulation.documents import pdf as conversion
from iae_modulation.documents.donnees_integrees import lire_donnees
from iae_modulation.documents.notifications import generer_notifications
from iae_modulation.documents.publipostage import ModeleCompile
from iae_modulation.documents.signature import Signature, signature_demo
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.exports.exemples import FICHIERS_DEMO, ecrire_export_xlsx
from iae_modulation.rapprochement import CODE_CONCORDANT, CODE_ECARTS, rapprocher
from iae_modulation.registre import ecrire_registre, lire_registre
from iae_modulation.resultats import lire_grand_livre
from pypdf import PdfReader, PdfWriter

LIBREOFFICE = pytest.mark.skipif(
    not conversion.libreoffice_disponible(), reason="LibreOffice absent (la CI l'installe)"
)
SANS_SIGNATURE = Signature(region="Grand Est")  # ni signataire ni lieu : des projets


def campagne_de_demo(
    dossier: Path, *, signature: Signature | None = None, pdf: bool = False
) -> Path:
    """Calcul, annexe 5 des quatre mesures et lettres de la démo (signées par le signataire de
    la démonstration, sauf `signature`) ; renvoie le grand livre."""
    signature = signature or signature_demo()
    calcul = executer_calcul(
        DONNEES, 2026, dossier / "calcul", enveloppes=DEMO / "enveloppes_demo.csv"
    )
    assert calcul.code_sortie == 0, calcul.resume()
    resultats = dossier / "calcul" / "resultats.csv"
    for mesure, nom in FICHIERS_DEMO.items():
        rapport = executer_annexe5(
            DEMO / "exports" / nom,
            mesure,
            2026,
            dossier / "annexe5" / mesure,
            resultats=resultats,
            signature=signature,
            pdf=pdf,
        )
        assert rapport.code_sortie == 0, rapport.resume()
    lettres = generer_notifications(
        resultats,
        DONNEES,
        2026,
        dossier / "notifications",
        signature=signature,
        progression=False,
        pdf=pdf,
    )
    assert lettres.nb_lettres == 40
    return resultats


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    dossier = tmp_path_factory.mktemp("campagne")
    campagne_de_demo(dossier)
    return dossier


@pytest.fixture
def copie_demo(demo, tmp_path) -> Path:
    shutil.copytree(demo, tmp_path / "campagne")
    return tmp_path / "campagne"


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory) -> Path:
    if not conversion.libreoffice_disponible():
        pytest.skip("LibreOffice absent (la CI l'installe)")
    dossier = tmp_path_factory.mktemp("campagne_pdf")
    campagne_de_demo(dossier, pdf=True)
    return dossier


@pytest.fixture
def copie_pdf(demo_pdf, tmp_path) -> Path:
    shutil.copytree(demo_pdf, tmp_path / "campagne")
    return tmp_path / "campagne"


def integrer(docx: Path, donnees: dict) -> None:
    """D'autres données intégrées au document (un défaut de l'outil, ou une retouche qu'on veut
    faire passer), son texte inchangé."""
    ModeleCompile(docx).ecrire({}, docx, donnees=donnees)


def remplacer_texte(docx: Path, ancien: str, nouveau: str) -> None:
    """Un texte du document remplacé (word/document.xml)."""
    with zipfile.ZipFile(docx) as archive:
        parties = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, contenu in parties.items():
            if info.filename == "word/document.xml":
                texte = contenu.decode("utf-8")
                assert ancien in texte
                contenu = texte.replace(ancien, nouveau).encode("utf-8")
            archive.writestr(info, contenu)


def remettre_manifeste(dossier: Path) -> None:
    """Les sorties du manifeste remises à chaque fichier du dossier et à son empreinte."""
    chemin = dossier / "manifeste.json"
    manifeste = json.loads(chemin.read_text("utf-8"))
    manifeste["sorties"] = [
        {"fichier": f.relative_to(dossier).as_posix(), "sha256": empreinte(f)}
        for f in sorted(dossier.rglob("*"))
        if f.is_file() and f.name != "manifeste.json"
    ]
    chemin.write_text(json.dumps(manifeste), encoding="utf-8")


def _problemes(rapprochement) -> list[str]:
    return [e.probleme.replace("\u00a0", " ").replace("\u202f", " ") for e in rapprochement.ecarts]


def _ecarts(rapprochement) -> list[tuple[str, str]]:
    """(structure ou document, problème) de chaque écart."""
    return [
        (e.identifiant, p)
        for e, p in zip(rapprochement.ecarts, _problemes(rapprochement), strict=True)
    ]


def test_demo_concordante_par_departement_et_mesure(demo):
    rapprochement = rapprocher(demo)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    (campagne,) = rapprochement.campagnes
    assert campagne.livre == campagne.decisions == campagne.lettres
    assert len(campagne.livre) == 19  # 19 décisions (pas d'EITI en 2026)
    total = sum((c.montant for c in campagne.decisions.values()), Decimal(0))
    assert total == Decimal("295599.82")  # l'enveloppe de 295 600,00 € moins le reliquat
    par_mesure = {}
    for (_, mesure), compte in campagne.decisions.items():
        par_mesure[mesure] = par_mesure.get(mesure, Decimal(0)) + compte.montant
    assert par_mesure == {
        "ACI": Decimal("213853.75"),
        "AI": Decimal("17165.19"),
        "EI": Decimal("32360.02"),
        "ETTI": Decimal("32220.86"),
    }
    assert campagne.decisions[("67", "ETTI")].structures == 1
    assert rapprochement.sans_document == []
    assert len(rapprochement.registre) == 19
    assert {ligne.constat for ligne in rapprochement.registre} == {"conforme"}


def test_commande_code_0_rapport_et_bordereau(demo, tmp_path, capsys):
    rapport = tmp_path / "rapprochement.xlsx"
    assert main(["rapprocher", str(demo), "--sortie", str(rapport)]) == 0
    texte = sortie_capturee(capsys).replace("\u00a0", " ").replace("\u202f", " ")
    (ligne_etti,) = [ligne for ligne in texte.splitlines() if ligne.startswith("67    ETTI")]
    assert ligne_etti.count("1 ·") == 3 and ligne_etti.count("4 272,12 €") == 3
    assert "Concordant" in texte
    classeur = openpyxl.load_workbook(rapport)
    assert classeur.sheetnames == [
        "Rapprochement",
        "Écarts",
        "Documents",
        "Grands livres",
        "Registre",
    ]
    lignes = list(classeur["Rapprochement"].iter_rows(min_row=4, values_only=True))
    assert len(lignes) == 19 and all(ligne[-1] == "oui" for ligne in lignes)
    assert {ligne[0] for ligne in lignes} == {"calcul/resultats.csv"}
    assert list(classeur["Écarts"].iter_rows(min_row=2, values_only=True))[0][0] == "Aucun écart."
    registre = list(classeur["Registre"].iter_rows(min_row=2, values_only=True))
    assert len(registre) == 19
    # dans l'ordre du registre : les décisions EI, enregistrées les premières
    assert registre[0][:5] == ("2026-51-EI-001", "2026", "51", "EI", "en vigueur")
    assert {ligne[-1] for ligne in registre} == {"conforme"}
    documents = list(classeur["Documents"].iter_rows(min_row=2, values_only=True))
    assert len(documents) == 19 + 40  # chaque décision et chaque lettre, avec son grand livre
    assert {d[1][:32] for d in documents} == {"calcul/resultats.csv (empreinte "}
    envoi = (tmp_path / "a_envoyer.txt").read_text("utf-8")
    assert envoi.startswith("Bordereau d'envoi (iae-modulation) — campagne 2026")
    assert "PROJET" not in envoi and "ATTENTION" not in envoi
    assert "À l'ASP (Agence de services et de paiement) : 19 décision(s)" in envoi
    assert (
        "  - n° 2026-67-ETTI-001 : annexe5/ETTI/decision_asp_2026_67_ETTI.docx et son tableau "
        "annexe5/ETTI/annexe5_2026_67_ETTI.xlsx · signée" in envoi
    )
    assert "À chaque SIAE, sa lettre : 40 lettre(s), signées" in envoi


def _lignes_du_bordereau(feuille) -> list[tuple]:
    """Les lignes sous l'en-tête (« Destinataire », …) de la feuille « À envoyer »."""
    lignes = list(feuille.iter_rows(values_only=True))
    entete = next(n for n, ligne in enumerate(lignes) if ligne[0] == "Destinataire")
    return lignes[entete + 1 :]


def test_bordereau_xlsx_chaque_fichier_son_destinataire(demo, tmp_path):
    rapprochement = rapprocher(demo)
    from iae_modulation.rapprochement import ecrire_bordereau

    (classeur, _) = ecrire_bordereau(rapprochement, tmp_path)
    feuille = openpyxl.load_workbook(classeur)["À envoyer"]
    lignes = _lignes_du_bordereau(feuille)
    destinataires: dict[str, int] = {}
    for ligne in lignes:
        cle = "SIAE" if ligne[0].startswith("SIAE ") else ligne[0]
        destinataires[cle] = destinataires.get(cle, 0) + 1
    # 19 décisions et leurs 19 tableaux ; 40 lettres ; à l'archive : 4 manifestes de l'annexe 5,
    # celui des lettres et du calcul, resultats.csv et .xlsx, 4 synthèses de l'annexe 5, l'index
    # des lettres, le registre
    assert destinataires == {"ASP": 38, "SIAE": 40, "Archive": 14}
    assert (
        "SIAE ETTI067230023 – Strasbourg Intérim Insertion",
        "notifications/notification_2026-67-ETTI-ETTI067230023.docx",
        "oui",
        "2026-67-ETTI-ETTI067230023",
        None,
    ) in lignes
    assert ("Archive", "calcul/registre.csv", "—", None, "registre des actes") in lignes
    assert feuille.oddHeader.center.text is None  # signé : pas de mention PROJET


def test_bordereau_lisible_imprime_a_8_points_au_moins(demo, tmp_path):
    """A4 paysage (11,69 × 8,27 pouces), marges de 0,4 pouce : la largeur imprimée de la feuille
    tient en 10,89 pouces ; à l'échelle qui la fait tenir, la police de 10 pt reste ≥ 8 pt."""
    from iae_modulation.rapprochement import ecrire_bordereau

    (classeur, _) = ecrire_bordereau(rapprocher(demo), tmp_path)
    feuille = openpyxl.load_workbook(classeur)["À envoyer"]
    largeurs = [feuille.column_dimensions[c].width for c in "ABCDE"]
    points = sum((7 * w + 5) * 0.75 for w in largeurs)  # Arial 10 : 7 pixels par chiffre
    place = (11.69 - 0.8) * 72 if feuille.page_setup.orientation == "landscape" else 7.47 * 72
    assert 10 * min(1, place / points) >= 8, (largeurs, points, place)
    assert feuille.page_setup.paperSize == 9 and feuille.sheet_properties.pageSetUpPr.fitToPage


def test_campagne_non_signee_bordereau_projet(tmp_path, capsys):
    campagne_de_demo(tmp_path, signature=SANS_SIGNATURE)
    assert main(["rapprocher", str(tmp_path)]) == CODE_CONCORDANT
    texte = sortie_capturee(capsys)
    assert "40 lettre(s) lu, PROJET — non signé : à signer avant tout envoi" in texte
    envoi = (tmp_path / "a_envoyer.txt").read_text("utf-8")
    assert "PROJET — non signé : ne rien envoyer avant la signature des documents." in envoi
    assert "À chaque SIAE, sa lettre : 40 lettre(s), dont 40 non signée(s)" in envoi
    assert "  - (projet) : annexe5/ACI/PROJET_decision_asp_2026_51_ACI.docx" in envoi
    feuille = openpyxl.load_workbook(tmp_path / "a_envoyer.xlsx")["À envoyer"]
    assert "PROJET — non signé" in feuille.oddHeader.center.text
    assert feuille["A2"].value.startswith("PROJET — non signé")


def test_lettre_manquante_et_decision_manquante_code_3(copie_demo, capsys):
    (copie_demo / "notifications" / "notification_2026-54-EI-EI054240006.docx").unlink()
    shutil.rmtree(copie_demo / "annexe5" / "ETTI")
    assert main(["rapprocher", str(copie_demo)]) == CODE_ECARTS
    texte = sortie_capturee(capsys)
    assert (
        "notifications/notification_2026-54-EI-EI054240006.docx : lettre : "
        "notification_2026-54-EI-EI054240006.docx introuvable" in texte
    )
    assert "54 EI EI054240006 : sans lettre" in texte
    assert "67 ETTI ETTI067230023 : absente des décisions ASP (net 4" in texte
    # la lettre (introuvable, donc sans lettre) ; les 5 ETTI sans décision ; les 4 décisions
    # ETTI en vigueur au registre introuvables
    assert "11 écart(s)" in texte
    assert (
        "décision en vigueur au registre introuvable (../annexe5/ETTI/decision_asp_2026_51_ETTI"
        in (texte)
    )


def test_un_centime_de_difference_dans_le_tableau_annexe(copie_demo):
    """Un tableau qui paierait un centime de plus que sa décision (son manifeste mis à jour,
    comme le ferait un défaut de l'outil) : le rapprochement le trouve."""
    dossier = copie_demo / "annexe5" / "AI"
    tableau = dossier / "annexe5_2026_67_AI.xlsx"
    classeur = openpyxl.load_workbook(tableau)
    feuille = classeur["Tableau"]
    ligne, colonne = 5, feuille.max_column
    feuille.cell(ligne, colonne).value += 0.01
    feuille.cell(ligne + 1, colonne).value += 0.01  # total
    classeur.save(tableau)
    empreinte_remise(dossier, tableau)
    rapprochement = rapprocher(copie_demo)
    assert _problemes(rapprochement) == [
        "tableau annexé annexe5_2026_67_AI.xlsx : AI067240016 : tableau 1 127,68 €, décision "
        "1 127,67 €"
    ]
    assert rapprochement.ecarts[0].identifiant == "annexe5/AI/decision_asp_2026_67_AI.docx"


def test_tableau_annexe_absent(copie_demo):
    (copie_demo / "annexe5" / "AI" / "annexe5_2026_67_AI.xlsx").unlink()
    assert _ecarts(rapprocher(copie_demo)) == [
        (
            "annexe5/AI/decision_asp_2026_67_AI.docx",
            "tableau annexé introuvable : aucun tableau de son dossier n'a les mêmes structures "
            "que la décision",
        )
    ]


def _donnees_retouchees(docx: Path, **valeurs) -> None:
    """Les données intégrées d'un document modifiées, son manifeste remis d'accord (un défaut de
    l'outil, ou une retouche qu'on veut faire passer)."""
    donnees = lire_donnees(docx)
    integrer(docx, {**donnees, **valeurs})
    empreinte_remise(docx.parent, docx)


def test_un_centime_de_plus_dans_une_decision(copie_demo):
    docx = copie_demo / "annexe5" / "AI" / "decision_asp_2026_67_AI.docx"
    donnees = lire_donnees(docx)
    (ligne,) = donnees["lignes"]
    _donnees_retouchees(docx, lignes=[{**ligne, "montant": "1127.68"}], total="1127.68")
    problemes = _problemes(rapprocher(copie_demo))
    assert "décision 1 127,68 €, grand livre 1 127,67 €" in problemes
    # le texte du document, lui, dit toujours 1 127,67 € : c'est un autre écart
    assert (
        "decision_asp_2026_67_AI.docx ne dit pas le total « 1 127,68 € », le montant de "
        "AI067240016 « 1 127,68 € » (ses données intégrées le disent)" in problemes
    )


def test_un_centime_de_moins_dans_une_lettre(copie_demo):
    docx = copie_demo / "notifications" / "notification_2026-51-ACI-ACI051230010.docx"
    _donnees_retouchees(docx, net="13871.23")
    rapprochement = rapprocher(copie_demo)
    assert _ecarts(rapprochement) == [
        ("ACI051230010", "lettre : montant net 13 871,23 €, grand livre 13 871,24 €")
    ]


def test_lettre_adressee_a_un_autre_siret(copie_demo):
    docx = copie_demo / "notifications" / "notification_2026-51-ACI-ACI051230010.docx"
    _donnees_retouchees(docx, siret="46270107900024")
    assert _problemes(rapprocher(copie_demo)) == [
        "lettre : siret « 46270107900024 », grand livre « 46270107900016 »"
    ]


def test_lettre_au_nom_d_une_autre_structure(copie_demo):
    """Une lettre aux bons montants, mais au nom d'une autre structure (son empreinte remise au
    manifeste) : elle n'est pas adressée à la structure que le grand livre paie."""
    docx = copie_demo / "notifications" / "notification_2026-51-ACI-ACI051230010.docx"
    remplacer_texte(docx, "Les Jardins de la Vesle", "Chantier Nature Champagne")
    empreinte_remise(docx.parent, docx)
    assert _ecarts(rapprocher(copie_demo)) == [
        (
            "ACI051230010",
            "la lettre n'est pas adressée à la structure du grand livre (raison_sociale "
            "« Les Jardins de la Vesle » absent(s) de "
            "notification_2026-51-ACI-ACI051230010.docx)",
        )
    ]


def test_document_modifie_a_la_main_signale(copie_demo):
    lettre = copie_demo / "notifications" / "notification_2026-51-ACI-ACI051230010.docx"
    lettre.write_bytes(lettre.read_bytes() + b"\0")
    rapprochement = rapprocher(copie_demo)
    assert _problemes(rapprochement) == [
        "lettre : notification_2026-51-ACI-ACI051230010.docx modifié après sa production (son "
        "empreinte n'est plus celle du manifeste)"
    ]


def test_document_sans_donnees_integrees_ecart_nomme(copie_demo):
    """Une décision sans données intégrées (version antérieure de l'outil, ou partie retirée) :
    ses montants ne sont pas devinés dans son texte."""
    docx = copie_demo / "annexe5" / "EI" / "decision_asp_2026_88_EI.docx"
    with zipfile.ZipFile(docx) as archive:
        parties = {i: archive.read(i) for i in archive.infolist()}
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, contenu in parties.items():
            if not info.filename.startswith("customXml/"):
                archive.writestr(info, contenu)
    empreinte_remise(docx.parent, docx)
    rapprochement = rapprocher(copie_demo)
    assert _ecarts(rapprochement) == [
        (
            "annexe5/EI/decision_asp_2026_88_EI.docx",
            "décision : sans données intégrées : ses montants ne peuvent pas être lus (document "
            "d'une version antérieure de l'outil, ou données retirées) ; produisez à nouveau "
            "la décision",
        ),
        ("EI088250015", "absente des décisions ASP (net 6 736,15 €)"),
    ]


def test_modele_de_decision_reformule(tmp_path, monkeypatch):
    """Un agent reformule l'article 1er du modèle de décision (« pour un montant total de » :
    ce que lisait l'ancien rapprochement) : les montants, lus dans les données intégrées, se
    rapprochent toujours."""
    modele = tmp_path / "decision_reformulee.docx"
    with (
        zipfile.ZipFile(decision_asp.MODELE_DECISION) as source,
        zipfile.ZipFile(modele, "w", zipfile.ZIP_DEFLATED) as copie,
    ):
        for info in source.infolist():
            contenu = source.read(info)
            if info.filename == "word/document.xml":
                texte = contenu.decode("utf-8")
                assert "pour un montant total de " in texte
                texte = texte.replace("pour un montant total de ", "la dépense totale étant de ")
                contenu = texte.encode("utf-8")
            copie.writestr(info, contenu)
    monkeypatch.setattr(decision_asp, "MODELE_DECISION", modele)
    campagne_de_demo(tmp_path / "campagne")
    decision = tmp_path / "campagne" / "annexe5" / "ACI" / "decision_asp_2026_57_ACI.docx"
    from iae_modulation.rapprochement import texte_docx

    texte = texte_docx(decision).replace("\u202f", " ").replace("\u00a0", " ")
    assert "la dépense totale étant de 64 413,40 €" in texte
    assert "pour un montant total" not in texte_docx(decision)
    rapprochement = rapprocher(tmp_path / "campagne")
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    assert rapprochement.campagnes[0].decisions[("57", "ACI")].montant == Decimal("64413.40")


# --- le registre : une seule décision payable ------------------------------------------------


def _reemettre(campagne: Path, numero: str) -> Path:
    """La décision ACI 57 copiée dans `annexe5/ACI_bis` et donnée pour la décision `numero`
    (données intégrées et texte), comme une décision ré-émise hors de l'outil."""
    bis = campagne / "annexe5" / "ACI_bis"
    shutil.copytree(campagne / "annexe5" / "ACI", bis)
    for fichier in bis.iterdir():
        if fichier.suffix != ".json" and "_57_" not in fichier.name:
            fichier.unlink()
    docx = bis / "decision_asp_2026_57_ACI.docx"
    sequence = numero.rsplit("-", 1)[1]
    remplacer_texte(
        docx,
        '<w:noBreakHyphen/><w:t xml:space="preserve">001<',
        f'<w:noBreakHyphen/><w:t xml:space="preserve">{sequence}<',
    )
    integrer(docx, {**lire_donnees(docx), "numero": numero})
    remettre_manifeste(bis)
    return docx


VIVANTES_57 = (
    "2 décisions signées vivantes pour 2026 ACI 57 (l'ASP paierait deux fois : "
    "annexe5/ACI/decision_asp_2026_57_ACI.docx, annexe5/ACI_bis/decision_asp_2026_57_ACI.docx) ; "
    "une décision ré-émise doit l'être avec --remplace NUMÉRO, qui passe l'ancienne à "
    "« remplacée » au registre"
)


def test_decision_reemise_sans_remplace_absente_du_registre(copie_demo):
    _reemettre(copie_demo, "2026-57-ACI-002")
    rapprochement = rapprocher(copie_demo)
    assert rapprochement.code_sortie == CODE_ECARTS
    assert _ecarts(rapprochement) == [
        (
            "annexe5/ACI_bis/decision_asp_2026_57_ACI.docx",
            "décision signée n° 2026-57-ACI-002 absente du registre des actes (registre.csv à "
            "côté du grand livre) : elle n'a pas été enregistrée",
        ),
        ("n° 2026-57-ACI-001, n° 2026-57-ACI-002", VIVANTES_57),
    ]


def _aci_57_par_l_outil(campagne: Path, signature: Signature, **options) -> None:
    """La décision ACI de la Moselle émise une seconde fois par l'outil (`annexe5/ACI_bis`)."""
    rapport = executer_annexe5(
        DEMO / "exports" / "ACI.xlsx",
        "ACI",
        2026,
        campagne / "annexe5" / "ACI_bis",
        departements=["57"],
        resultats=campagne / "calcul" / "resultats.csv",
        signature=signature,
        pdf=False,
        **options,
    )
    assert rapport.code_sortie == 0, rapport.resume()


def test_registre_efface_puis_decision_reemise(copie_demo):
    """Le registre supprimé pour passer outre le refus d'une seconde décision, signée un autre
    jour : l'outil renumérote « 001 », et deux décisions signées vivantes paient les ACI de la
    Moselle."""
    (copie_demo / "calcul" / "registre.csv").unlink()
    _aci_57_par_l_outil(copie_demo, replace(signature_demo(), date=dt.date(2026, 6, 1)))
    problemes = _problemes(rapprocher(copie_demo))
    assert VIVANTES_57 in problemes
    # les 18 autres décisions signées ne sont plus au registre ; la première ACI 57 porte le
    # numéro que le registre donne maintenant à une autre
    assert sum("absente du registre des actes" in p for p in problemes) == 18
    assert (
        "décision n° 2026-57-ACI-001 : decision_asp_2026_57_ACI.docx n'est pas le document "
        "enregistré au registre (empreinte SHA-256 différente)" in problemes
    )
    assert len(problemes) == 20


def test_registre_modifie_a_la_main_deux_en_vigueur(copie_demo):
    docx = _reemettre(copie_demo, "2026-57-ACI-002")
    actes = lire_registre(copie_demo / "calcul")
    (premiere,) = [a for a in actes if a.numero == "2026-57-ACI-001"]
    seconde = replace(
        premiere,
        numero="2026-57-ACI-002",
        fichier_docx="../annexe5/ACI_bis/decision_asp_2026_57_ACI.docx",
        sha256_docx=empreinte(docx),
    )
    ecrire_registre(copie_demo / "calcul", [*actes, seconde])
    rapprochement = rapprocher(copie_demo)
    registre_refuse, vivantes = _problemes(rapprochement)
    assert registre_refuse.startswith("registre illisible : Registre des actes ")
    assert registre_refuse.endswith(
        "- 2 décisions ACI 2026 du département 57 en vigueur : 2026-57-ACI-001, 2026-57-ACI-002 "
        "(une seule est payable)"
    )
    assert vivantes == VIVANTES_57


def test_decision_remplacee_seule_la_nouvelle_est_payable(copie_demo, tmp_path):
    from iae_modulation.rapprochement import ecrire_bordereau

    _aci_57_par_l_outil(copie_demo, signature_demo(), remplace=["2026-57-ACI-001"])
    rapprochement = rapprocher(copie_demo)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    assert rapprochement.campagnes[0].decisions[("57", "ACI")].montant == Decimal("64413.40")
    assert (
        "Document annexe5/ACI/decision_asp_2026_57_ACI.docx : décision n° 2026-57-ACI-001 "
        "remplacée par la décision n° 2026-57-ACI-002 (registre) : non payable, à archiver"
        in rapprochement.resume()
    )
    ecrire_bordereau(rapprochement, tmp_path)
    envoi = (tmp_path / "a_envoyer.txt").read_text("utf-8")
    assert "n° 2026-57-ACI-002 : annexe5/ACI_bis/decision_asp_2026_57_ACI.docx" in envoi
    assert "2026-57-ACI-001" not in envoi
    feuille = openpyxl.load_workbook(tmp_path / "a_envoyer.xlsx")["À envoyer"]
    archivee = [
        ligne
        for ligne in _lignes_du_bordereau(feuille)
        if ligne[1] == "annexe5/ACI/decision_asp_2026_57_ACI.docx"
    ]
    assert archivee == [
        (
            "Archive",
            "annexe5/ACI/decision_asp_2026_57_ACI.docx",
            "oui",
            "2026-57-ACI-001",
            "non envoyé (voir la feuille « Documents » du rapprochement)",
        )
    ]


def test_decision_qui_n_est_pas_celle_du_registre(copie_demo):
    actes = [
        replace(a, sha256_docx="0" * 64) if a.numero == "2026-51-ACI-001" else a
        for a in lire_registre(copie_demo / "calcul")
    ]
    ecrire_registre(copie_demo / "calcul", actes)
    assert _ecarts(rapprocher(copie_demo)) == [
        (
            "annexe5/ACI/decision_asp_2026_51_ACI.docx",
            "décision n° 2026-51-ACI-001 : decision_asp_2026_51_ACI.docx n'est pas le document "
            "enregistré au registre (empreinte SHA-256 différente)",
        )
    ]


# --- deux grands livres dans un dossier -------------------------------------------------------


def test_grand_livre_sans_document_signale_sans_ecart(copie_demo, capsys):
    """Un second calcul, plus récent, d'une méthode que la commission n'a pas retenue : aucun
    document n'en est tiré. Avant : le rapprochement le prenait (le plus récent) et trouvait 80
    écarts."""
    autre = copie_demo / "calcul_poids_50_30_20"
    options = ["--poids", "publics=50,effort=30,resultats=20", "--sortie", str(autre)]
    assert main(["calculer", str(DONNEES), "--annee", "2026", *options]) == 0
    assert main(["rapprocher", str(copie_demo)]) == CODE_CONCORDANT
    texte = sortie_capturee(capsys)
    assert (
        "Grand livre calcul_poids_50_30_20/resultats.csv : aucune décision ni lettre n'en est "
        "tirée (simulation ou méthode non retenue) : non rapproché, ce n'est pas un écart." in texte
    )
    assert "Rapprochement de la campagne 2026 (grand livre calcul/resultats.csv (empreinte" in texte
    classeur = openpyxl.load_workbook(copie_demo / "rapprochement.xlsx")
    livres = list(classeur["Grands livres"].iter_rows(min_row=2, values_only=True))
    assert [(ligne[0], ligne[3][:3]) for ligne in livres] == [
        ("calcul/resultats.csv", "oui"),
        ("calcul_poids_50_30_20/resultats.csv", "non"),
    ]


def test_deux_grands_livres_chacun_ses_documents(copie_demo):
    """Des lettres tirées d'un second grand livre (autre méthode) : chaque document est
    rapproché du grand livre dont il est tiré, et le rapport dit lequel."""
    autre = copie_demo / "calcul_b"
    options = ["--poids", "publics=50,effort=30,resultats=20", "--sortie", str(autre)]
    assert main(["calculer", str(DONNEES), "--annee", "2026", *options]) == 0
    generer_notifications(
        autre / "resultats.csv",
        None,
        2026,
        copie_demo / "notifications_b",
        signature=signature_demo(),
        progression=False,
        pdf=False,
    )
    rapprochement = rapprocher(copie_demo)
    premiere, seconde = rapprochement.campagnes
    assert premiere.grand_livre == copie_demo / "calcul" / "resultats.csv"
    assert premiere.livre == premiere.decisions == premiere.lettres
    assert seconde.grand_livre == autre / "resultats.csv"
    assert seconde.livre == seconde.lettres and seconde.decisions == {}
    # le second grand livre n'a pas de décision : ses 40 structures en sont absentes
    assert len(rapprochement.ecarts) == 40
    assert {p[:27] for p in _problemes(rapprochement)} == {"absente des décisions ASP ("}
    par_livre = {}
    for document in rapprochement.documents:
        par_livre.setdefault(document.grand_livre[:15], set()).add(document.document.split("/")[0])
    assert par_livre == {
        "calcul/resultat": {"annexe5", "notifications"},
        "calcul_b/result": {"notifications_b"},
    }
    seul = rapprocher(copie_demo, copie_demo / "calcul" / "resultats.csv")
    assert seul.code_sortie == CODE_CONCORDANT, seul.resume()
    assert (
        "40 document(s) non rapproché(s) : --resultats désigne un autre grand livre"
        in seul.resume()
    )


def test_documents_d_un_grand_livre_recalcule_depuis(copie_demo):
    """Le calcul refait et mis à la place de l'ancien : les documents tirés de l'ancien grand
    livre ne sont rapprochés d'aucun, et le nouveau n'a pas de document : rien à rapprocher."""
    refait = copie_demo.parent / "refait"
    options = ["--poids", "publics=50,effort=30,resultats=20", "--sortie", str(refait)]
    assert main(["calculer", str(DONNEES), "--annee", "2026", *options]) == 0
    for nom in ("resultats.csv", "manifeste.json"):
        shutil.copyfile(refait / nom, copie_demo / "calcul" / nom)
    rapprochement = rapprocher(copie_demo)
    assert rapprochement.code_sortie == CODE_ECARTS
    problemes = _problemes(rapprochement)
    assert problemes[-1] == (
        "aucune décision ASP ni lettre tirée d'un grand livre du dossier : rien à rapprocher"
    )
    resume = rapprochement.resume()
    assert "tiré(s) d'un grand livre absent du dossier (recalculé depuis ?)" in resume


# --- les PDF : ce qui est signé et envoyé -----------------------------------------------------


@LIBREOFFICE
def test_pdf_concordants(demo_pdf):
    rapprochement = rapprocher(demo_pdf)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    envoyes = {e.chemin.suffix for e in rapprochement.envois if e.destinataire != "Archive"}
    assert envoyes == {".pdf", ".xlsx"}


@LIBREOFFICE
def test_pdf_de_decision_echange_avec_celui_d_un_autre_departement(copie_pdf):
    dossier = copie_pdf / "annexe5" / "ACI"
    a, b = dossier / "decision_asp_2026_54_ACI.pdf", dossier / "decision_asp_2026_57_ACI.pdf"
    a.rename(dossier / "echange.pdf")
    b.rename(a)
    (dossier / "echange.pdf").rename(b)
    problemes = _problemes(rapprocher(copie_pdf))
    assert problemes[:2] == [
        "PDF : decision_asp_2026_54_ACI.pdf modifié après sa production (son empreinte n'est plus "
        "celle du manifeste)",
        "PDF : decision_asp_2026_57_ACI.pdf modifié après sa production (son empreinte n'est plus "
        "celle du manifeste)",
    ]
    # le manifeste remis d'accord (à la main, ou par un défaut de l'outil) : le texte le trahit
    empreinte_remise(dossier, a)
    empreinte_remise(dossier, b)
    problemes = _problemes(rapprocher(copie_pdf))
    assert problemes[0] == (
        "decision_asp_2026_54_ACI.pdf n'est pas le PDF de decision_asp_2026_54_ACI.docx : il ne "
        "dit pas le numéro « 2026-54-ACI-001 », le total « 52 083,99 € », la structure "
        "ACI054240010 « ACI054240010 », le montant de ACI054240010 « 11 336,16 € » et 8 autre(s) "
        "valeur(s)"
    )
    assert problemes[1] == (
        "decision_asp_2026_57_ACI.pdf n'est pas le PDF de decision_asp_2026_57_ACI.docx : il ne "
        "dit pas le numéro « 2026-57-ACI-001 », le total « 64 413,40 € », la structure "
        "ACI057230029 « ACI057230029 », le montant de ACI057230029 « 15 060,98 € » et 8 autre(s) "
        "valeur(s)"
    )
    # et le registre, qui a enregistré l'empreinte de chaque PDF signé
    assert problemes[2:] == [
        "décision n° 2026-54-ACI-001 : decision_asp_2026_54_ACI.pdf n'est pas le PDF enregistré au "
        "registre (empreinte SHA-256 différente)",
        "décision n° 2026-57-ACI-001 : decision_asp_2026_57_ACI.pdf n'est pas le PDF enregistré au "
        "registre (empreinte SHA-256 différente)",
    ]


@LIBREOFFICE
def test_pdf_de_lettre_echange(copie_pdf):
    dossier = copie_pdf / "notifications"
    a, b = (
        dossier / "notification_2026-54-EI-EI054240006.pdf",
        dossier / "notification_2026-54-EI-EI054250018.pdf",
    )
    shutil.copyfile(b, a)  # le PDF d'une autre lettre, sous le nom de celle-ci
    empreinte_remise(dossier, a)
    # le PDF à imprimer a la page de l'ancienne lettre (étrangère, désormais) et une seule
    # page pour les deux lettres devenues identiques : l'une des deux y manque
    rapprochement = rapprocher(copie_pdf)
    assert _ecarts(rapprochement) == [
        (
            "EI054240006",
            "notification_2026-54-EI-EI054240006.pdf n'est pas le PDF de "
            "notification_2026-54-EI-EI054240006.docx : il ne dit pas siret « 73004030000065 », "
            "raison_sociale « Lorraine Espaces Verts Insertion », adresse « 44 rue de la "
            "Forêt », code_postal « 54150 » et 5 autre(s) valeur(s)",
        ),
        (
            "notifications/notifications_a_imprimer.pdf",
            "PDF à imprimer : notifications_a_imprimer.pdf : 1 page(s) qui ne sont celles "
            "d'aucune lettre du lot (page(s) 15)",
        ),
        (
            "notifications/notifications_a_imprimer.pdf",
            "PDF à imprimer : notifications_a_imprimer.pdf : lettre(s) absente(s) : "
            "notification_2026-54-EI-EI054250018.pdf",
        ),
    ]


@LIBREOFFICE
def test_dechets_dans_le_pdf_a_imprimer(copie_pdf):
    dossier = copie_pdf / "notifications"
    fusion = dossier / "notifications_a_imprimer.pdf"
    ecriture = PdfWriter(clone_from=str(fusion))
    ecriture.insert_page(
        PdfReader(str(copie_pdf / "annexe5/AI/decision_asp_2026_67_AI.pdf")).pages[0], 3
    )
    ecriture.remove_page(20)  # la 20e lettre, celle d'ACI057240016 (ordre du grand livre)
    with open(fusion, "wb") as sortie:
        ecriture.write(sortie)
    empreinte_remise(dossier, fusion)
    assert _problemes(rapprocher(copie_pdf)) == [
        "PDF à imprimer : notifications_a_imprimer.pdf : 1 page(s) qui ne sont celles d'aucune "
        "lettre du lot (page(s) 4)",
        "PDF à imprimer : notifications_a_imprimer.pdf : lettre(s) absente(s) : "
        "notification_2026-57-ACI-ACI057240016.pdf",
    ]
    fusion.write_bytes(b"%PDF-1.7\nce n'est pas un PDF")
    empreinte_remise(dossier, fusion)
    (probleme,) = _problemes(rapprocher(copie_pdf))
    assert probleme.startswith(
        "PDF à imprimer : notifications_a_imprimer.pdf n'est pas un PDF lisible ("
    )


def test_rapport_d_un_agent_jamais_remplace(copie_demo, capsys):
    (copie_demo / "rapprochement.xlsx").write_bytes(b"tableau de l'agent")
    (copie_demo / "a_envoyer.txt").write_text("ma liste d'envoi", encoding="utf-8")
    assert main(["rapprocher", str(copie_demo)]) == 0
    assert (copie_demo / "rapprochement.xlsx").read_bytes() == b"tableau de l'agent"
    assert (copie_demo / "a_envoyer.txt").read_text("utf-8") == "ma liste d'envoi"
    texte = sortie_capturee(capsys)
    assert "n'est pas un rapport de rapprochement de l'outil" in texte
    assert "n'est pas un bordereau de l'outil : le bordereau n'est pas écrit" in texte


def test_dossier_sans_calcul_code_2(tmp_path, capsys):
    assert main(["rapprocher", str(tmp_path)]) == 2
    assert "aucun calcul (resultats.csv et son manifeste)" in sortie_capturee(capsys)


def test_document_copie_hors_de_son_dossier(copie_demo):
    """Une décision copiée dans un autre dossier de la campagne : aucun manifeste ne la
    consigne, elle pourrait partir deux fois."""
    copie = copie_demo / "a_signer"
    copie.mkdir()
    shutil.copyfile(
        copie_demo / "annexe5" / "EI" / "decision_asp_2026_57_EI.docx", copie / "d.docx"
    )
    rapprochement = rapprocher(copie_demo)
    assert [(o[-13:], p) for o, p in _ecarts(rapprochement)] == [
        (
            "a_signer/d.docx"[-13:],
            "décision qu'aucun manifeste ne consigne (copiée ou déplacée hors du dossier où "
            "l'outil l'a produite) : elle n'est pas rapprochée",
        )
    ]


# --- une campagne 2015 avec régularisations, de bout en bout -----------------------------------


def _exports(table: pd.DataFrame, annee: int, dossier: Path) -> dict[str, Path]:
    return {
        mesure: ecrire_export_xlsx(table, mesure, annee, dossier / f"{mesure}.xlsx")
        for mesure in sorted(set(table["type"]))
    }


def _campagne(dossier: Path, table: pd.DataFrame, annee: int, **fichiers) -> Path:
    """Données -> calcul -> annexe 5 de chaque mesure -> lettres ; renvoie le grand livre."""
    donnees = dossier / "donnees.csv"
    table[list(NOMS_COLONNES)].to_csv(donnees, sep=";", index=False, encoding="utf-8-sig")
    calcul = executer_calcul(donnees, annee, dossier / "calcul", **fichiers)
    assert calcul.code_sortie == 0, calcul.resume()
    resultats = dossier / "calcul" / "resultats.csv"
    for mesure, export in _exports(table, annee, dossier / "exports").items():
        rapport = executer_annexe5(
            export,
            mesure,
            annee,
            dossier / "annexe5" / mesure,
            resultats=resultats,
            signature=signature_demo(),
            pdf=False,
        )
        assert rapport.code_sortie == 0, rapport.resume()
    generer_notifications(
        resultats,
        donnees,
        annee,
        dossier / "notifications",
        signature=signature_demo(),
        progression=False,
        pdf=False,
    )
    return resultats


def _table_demo() -> pd.DataFrame:
    return pd.read_csv(DONNEES, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_campagne_2015_avec_regularisations_concordante(tmp_path):
    """Le net notifié est le net payé : la régularisation et le reste à déduire atteignent l'ASP."""
    table = _table_demo()
    table = table[table["milieu_penitentiaire"] != "oui"].copy()  # pas de milieu pénitentiaire
    table["dont_cofinancement_cd"] = table["dont_cofinancement_cd"].replace("", "0")
    (tmp_path / "exports").mkdir()
    versements = tmp_path / "versements.csv"
    # ACI051230010 : 30 000 € versés pour 2014, 10 postes conventionnés, 4 réalisés -> 18 000 €
    # déduits (plus que son montant modulé 2015 : le reste va à l'ASP) ; EI054240006 : 1 sur 4.
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        "ACI051230010;30000,00;10;4\nEI054240006;2000,00;4;3\n",
        encoding="utf-8",
    )
    resultats = _campagne(tmp_path, table, 2015, versements_2014=versements)
    livre = {ligne["identifiant"]: ligne for ligne in lire_grand_livre(resultats).lignes}
    aci, ei = livre["ACI051230010"], livre["EI054240006"]
    assert aci["regularisation"] == Decimal("18000.00") and aci["montant_net"] == 0
    assert aci["reste_a_deduire"] == Decimal("18000.00") - aci["montant_module"] > 0
    assert ei["regularisation"] == Decimal("500.00")
    assert ei["montant_net"] == ei["montant_module"] - Decimal("500.00")
    rapprochement = rapprocher(tmp_path)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    (campagne,) = rapprochement.campagnes
    assert campagne.decisions[("51", "ACI")].montant == sum(
        (
            ligne["montant_net"]
            for ligne in livre.values()
            if ligne["departement"] == "51" and ligne["type"] == "ACI"
        ),
        Decimal(0),
    )
    tableau = openpyxl.load_workbook(tmp_path / "annexe5" / "ACI" / "annexe5_2015_51_ACI.xlsx")
    entetes = [c.value for c in tableau["Tableau"][4]]
    assert entetes[-4:] == [
        "Montant modulé",
        "Régularisation 2014",
        "Montant prévu modulation (net à verser)",
        "Reste à déduire de l'aide au poste",
    ]


# --- propriété : pour toute campagne, décisions = lettres = grand livre ------------------------


@st.composite
def campagnes(draw) -> pd.DataFrame:
    """Des structures de deux régions, de tous types, avec montants et indicateurs au hasard."""
    departements = ("54", "57", "67", "75", "93")
    lignes = []
    for numero in range(draw(st.integers(1, 12))):
        type_ = draw(st.sampled_from(("EI", "ETTI", "AI", "ACI", "EITI")))
        departement = draw(st.sampled_from(departements))
        salaries = draw(st.integers(0, 30))
        sorties = draw(st.integers(0, min(10, 2 * salaries) if salaries else 10))
        durable = draw(st.integers(0, sorties))
        etp = draw(st.integers(1, 40))
        lignes.append(
            {
                "identifiant": f"{type_}{departement.zfill(3)}25{numero:04d}",
                "siret": f"{10000000000000 + numero:014d}",
                "raison_sociale": f"Structure {numero}",
                "adresse": "1 rue de la Paix",
                "code_postal": "54000",
                "commune": "Nancy",
                "type": type_,
                "departement": departement,
                "etp_conventionnes": str(etp),
                # 2 500 à 6 000 € par ETP : à moins de dix fois de ETP × socle par ETP
                "montant_socle": f"{etp * draw(st.integers(250_000, 600_000)) / 100:.2f}",
                "dont_cofinancement_cd": "0",
                "nb_salaries_insertion": str(salaries),
                "nb_beneficiaires_minima": str(draw(st.integers(0, salaries))),
                "etp_encadrement": str(draw(st.integers(0, 5))),
                # au plus deux ETP par salarié (vraisemblance)
                "etp_insertion": str(
                    draw(st.integers(0, min(20, 2 * salaries) if salaries else 20))
                ),
                "sorties_totales": str(sorties),
                "sorties_emploi_durable": str(durable),
                "sorties_emploi_transition": str(draw(st.integers(0, sorties - durable))),
                "sorties_positives": "0",
                "milieu_penitentiaire": "non",
            }
        )
    return pd.DataFrame(lignes).reindex(columns=NOMS_COLONNES, fill_value="")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    campagnes(),
    st.one_of(st.none(), st.integers(0, 2_000_000)),
    st.lists(st.tuples(st.integers(0, 5_000_000), st.integers(1, 40), st.integers(0, 40))),
)
def test_decisions_lettres_et_grand_livre_egaux_par_departement_et_mesure(
    tmp_path_factory, table, enveloppe, versements
):
    """Avec ou sans enveloppe ; avec des versements 2014, une campagne 2015 les régularise."""
    dossier = tmp_path_factory.mktemp("hasard")
    (dossier / "exports").mkdir()
    fichiers = {}
    if enveloppe:  # au moins le centième de 5 % des socles, sinon refusée (vraisemblance)
        plancher = sum(Decimal(s) for s in table["montant_socle"]) * 5 / 10_000
        enveloppe = max(enveloppe, int(plancher * 100) + 1)
    if enveloppe is not None:
        fichiers["enveloppes"] = dossier / "enveloppes.csv"
        fichiers["enveloppes"].write_text(
            f"region;enveloppe\nGrand Est;{enveloppe / 100:.2f}\n", encoding="utf-8"
        )
    annee = 2024  # des EITI modulées (de 2019 à 2024 ; refusées avant et depuis 2025)
    if versements:
        annee = 2015
        table = table[table["type"] != "EITI"].reset_index(drop=True)  # pas d'EITI en 2015
        assume(len(table) > 0)
        fichiers["versements_2014"] = dossier / "versements.csv"
        fichiers["versements_2014"].write_text(
            "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
            + "".join(
                f"{identifiant};{montant / 100:.2f};{conventionnes};{realises}\n"
                for identifiant, (montant, conventionnes, realises) in zip(
                    table["identifiant"], versements, strict=False
                )
            ),
            encoding="utf-8",
        )
    resultats = _campagne(dossier, table, annee, **fichiers)
    rapprochement = rapprocher(dossier)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    (campagne,) = rapprochement.campagnes
    assert campagne.decisions == campagne.lettres == campagne.livre
    net = sum((ligne["montant_net"] for ligne in lire_grand_livre(resultats).lignes), Decimal(0))
    assert sum((c.montant for c in campagne.decisions.values()), Decimal(0)) == net


def test_campagne_2014_au_taux_forfaitaire_identifiants_avec_avenant(tmp_path):
    """Des identifiants écrits avec leur avenant (« …A0M0 ») dans les données : les tableaux
    au taux forfaitaire nomment l'annexe sans avenant ; les décisions, sans grand livre, sont
    rapprochées du grand livre de leur campagne."""
    table = _table_demo()
    table = table[table["milieu_penitentiaire"] != "oui"].copy()
    table["dont_cofinancement_cd"] = table["dont_cofinancement_cd"].replace("", "0")
    (tmp_path / "exports").mkdir()
    exports = _exports(table, 2014, tmp_path / "exports")  # n° d'annexe « …A0M0 »
    table["identifiant"] = table["identifiant"] + "A0M0"
    donnees = tmp_path / "donnees.csv"
    table[list(NOMS_COLONNES)].to_csv(donnees, sep=";", index=False, encoding="utf-8-sig")
    assert executer_calcul(donnees, 2014, tmp_path / "calcul").code_sortie == 0
    for mesure, export in exports.items():
        rapport = executer_annexe5(
            export,
            mesure,
            2014,
            tmp_path / "annexe5" / mesure,
            resultats=tmp_path / "calcul" / "resultats.csv",  # 2014 : le grand livre paie
            taux_forfaitaire=Decimal(5),
            signature=signature_demo(),
            pdf=False,
        )
        assert rapport.code_sortie == 0, rapport.resume()
    generer_notifications(
        tmp_path / "calcul" / "resultats.csv",
        donnees,
        2014,
        tmp_path / "notifications",
        signature=signature_demo(),
        progression=False,
        pdf=False,
    )
    rapprochement = rapprocher(tmp_path)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    (campagne,) = rapprochement.campagnes
    assert campagne.decisions == campagne.lettres == campagne.livre


def test_demo_ne_remplace_pas_le_rapprochement_d_un_agent(tmp_path, capsys):
    dossier = tmp_path / "demo"
    dossier.mkdir()
    (dossier / "rapprochement.xlsx").write_bytes(b"tableau de l'agent")
    assert main(["demo", "--sortie", str(dossier), "--sans-pdf"]) == 2
    assert "contient autre chose qu'une démonstration (rapprochement.xlsx)" in (
        sortie_capturee(capsys)
    )
    assert main(["demo", "--sortie", str(dossier), "--sans-pdf", "--ecraser"]) in (0, 3)
    assert (dossier / "rapprochement.xlsx").read_bytes() == b"tableau de l'agent"
    assert (dossier / "a_envoyer.txt").read_text("utf-8").startswith("Bordereau d'envoi")
    assert json.loads((dossier / "calcul" / "manifeste.json").read_text("utf-8"))
