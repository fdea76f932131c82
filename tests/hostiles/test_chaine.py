"""Corpus hostile, chaîne des montants (issue 14, points 4 et 5) : la lettre et la décision nomment
la structure que le grand livre paie, et un grand livre retouché puis remis d'accord avec son
manifeste ne passe pas la relecture, qui refait chaque nombre sans le code du calcul."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from aides import (
    DEMO,
    DONNEES,
    demo_hors_detention,
    empreinte_remise,
    grand_livre_calcule,
    sortie_capturee,
)
from fabrique import COLONNES_DONNEES, LIGNES_DONNEES, grand_livre_retouche, xlsx_donnees
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from iae_modulation.campagne import executer_calcul
from iae_modulation.cli import main
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.exports.exemples import lignes_export
from iae_modulation.indicateurs import CRITERES_OPTIONNELS
from iae_modulation.methode import construire
from iae_modulation.rapprochement import rapprocher
from iae_modulation.referentiel import departements
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import ErreurEntree

ENVELOPPES = DEMO / "enveloppes_demo.csv"
SIGNES = ["--lieu", "Nancy", "--signataire", "Jeanne Martin", "--sans-pdf"]
DEUX = ("ACI051230010", "ACI051240033")  # les deux premières structures de la démo
IDENTITE = ("siret", "raison_sociale", "adresse", "code_postal", "commune")


@pytest.fixture(scope="module")
def campagne(tmp_path_factory) -> Path:
    """La démo 2026 avec l'enveloppe du Grand Est : ACI051230010 reçoit 13 871,24 €."""
    dossier = tmp_path_factory.mktemp("campagne")
    code = main(
        ["calculer", str(DONNEES), "--annee", "2026", "--enveloppes", str(ENVELOPPES)]
        + ["--sortie", str(dossier / "calcul")]
    )
    assert code == 0
    return dossier / "calcul"


def notifications(resultats: Path, sortie: Path, *options: str) -> int:
    commande = ["notifications", str(resultats), "--annee", "2026", "--sortie", str(sortie)]
    return main([*commande, *SIGNES, *options])


def texte_lettre(chemin: Path) -> str:
    with zipfile.ZipFile(chemin) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    return xml.replace("\u00a0", " ")


# --- identités (point 4) -----------------------------------------------------------------------


def donnees_echangees(chemin: Path) -> Path:
    """La table de la démo où deux structures ont échangé SIRET, nom et adresse."""
    lignes = [ligne.split(";") for ligne in LIGNES_DONNEES]
    positions = [COLONNES_DONNEES.index(c) for c in IDENTITE]
    for position in positions:
        lignes[0][position], lignes[1][position] = lignes[1][position], lignes[0][position]
    texte = ";".join(COLONNES_DONNEES) + "\n" + "\n".join(";".join(c) for c in lignes) + "\n"
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def test_lettre_adressee_par_le_grand_livre_et_donnees_echangees_refusees(
    campagne, tmp_path, capsys
):
    """Avant : avec deux lignes échangées dans --donnees, la lettre de 13 871,24 € partait chez
    Chantier Nature Champagne. Maintenant la table est refusée, lignes nommées, et sans elle la
    lettre prend l'identité dans le grand livre."""
    echangees = donnees_echangees(tmp_path / "echangees.csv")
    resultats = campagne / "resultats.csv"
    assert notifications(resultats, tmp_path / "refus", "--donnees", str(echangees)) == 2
    message = sortie_capturee(capsys)
    assert "echangees.csv, ligne 2 (ACI051230010), colonne « siret » : « 79831948900026 »" in (
        message
    )
    assert "le grand livre (resultats.csv, ligne 2 (ACI051230010)) dit « 46270107900016 »" in (
        message
    )
    assert "echangees.csv, ligne 3 (ACI051240033), colonne « raison_sociale »" in message
    assert "10 discordance(s)" in message  # 5 colonnes × 2 structures
    assert not (tmp_path / "refus").exists()

    assert notifications(resultats, tmp_path / "lettres") == 0
    lettre = texte_lettre(tmp_path / "lettres" / "notification_2026-51-ACI-ACI051230010.docx")
    for attendu in (
        "Les Jardins de la Vesle",
        "14 chemin des Maraîchers",
        "51100 Reims",
        "SIRET 46270107900016",
        "13 871,24 €",
    ):
        assert attendu in lettre
    assert "Chantier Nature Champagne" not in lettre and "Moulin" not in lettre
    # la table même du calcul (même empreinte) ou la même table en .xlsx : acceptées
    assert notifications(resultats, tmp_path / "avec_csv", "--donnees", str(DONNEES)) == 0
    classeur = xlsx_donnees(tmp_path / "donnees.xlsx")
    assert notifications(resultats, tmp_path / "avec_xlsx", "--donnees", str(classeur)) == 0
    capsys.readouterr()


def test_rapprocher_voit_une_lettre_adressee_a_une_autre_structure(campagne, tmp_path, capsys):
    """Une lettre au bon montant mais au nom et à l'adresse d'une autre structure, son empreinte
    remise dans le manifeste des lettres : `rapprocher` ne dit plus « Concordant »."""
    dossier = tmp_path / "campagne"
    shutil.copytree(campagne, dossier / "calcul")
    lettres = dossier / "lettres"
    assert notifications(dossier / "calcul" / "resultats.csv", lettres) == 0
    # sans décision ASP : chaque structure est « absente des décisions », aucune lettre en écart
    assert {e.probleme[:24] for e in rapprocher(dossier).ecarts} == {"absente des décisions AS"}
    chemin = lettres / "notification_2026-51-ACI-ACI051230010.docx"
    with zipfile.ZipFile(chemin) as archive:
        parties = {nom: archive.read(nom) for nom in archive.namelist()}
    xml = parties["word/document.xml"].decode("utf-8")
    for nom, autre in (
        ("Les Jardins de la Vesle", "Chantier Nature Champagne"),
        ("14 chemin des Maraîchers", "3 rue du Moulin Brûlé"),
        ("46270107900016", "79831948900026"),
    ):
        assert nom in xml
        xml = xml.replace(nom, autre)
    parties["word/document.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom, contenu in parties.items():
            archive.writestr(nom, contenu)
    empreinte_remise(lettres, chemin)
    rapprochement = rapprocher(dossier)
    assert rapprochement.code_sortie == 3
    (ecart,) = [e for e in rapprochement.ecarts if "absente des décisions" not in e.probleme]
    assert ecart.identifiant == "ACI051230010"
    assert ecart.probleme.startswith("la lettre n'est pas adressée à la structure du grand livre")
    assert "siret « 46270107900016 »" in ecart.probleme
    assert "raison_sociale « Les Jardins de la Vesle »" in ecart.probleme


def test_export_au_siret_d_une_autre_structure_refuse(campagne, tmp_path, capsys):
    """Une ligne de l'export qui porte le n° d'annexe d'une structure et le SIRET d'une autre :
    la décision paierait le montant de l'une à l'autre ; refusée, ligne nommée."""
    table = pd.read_csv(DONNEES, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    entetes = [c.entete for c in disposition_de_la_mesure("ACI").colonnes]
    lignes = [
        [str(v).replace(".", ",") for v in ligne] for ligne in lignes_export(table, "ACI", 2026)
    ]
    siret = entetes.index("N° SIRET")
    lignes[0][siret], lignes[1][siret] = lignes[1][siret], lignes[0][siret]
    export = tmp_path / "ACI.csv"
    with open(export, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows([entetes, *lignes])
    commande = ["annexe5", str(export), "--mesure", "ACI", "--annee", "2026"]
    commande += ["--resultats", str(campagne / "resultats.csv"), "--sortie", str(tmp_path / "asp")]
    assert main([*commande, "--lieu", "Nancy", "--signataire", "Jeanne Martin", "--sans-pdf"]) == 2
    message = sortie_capturee(capsys)
    assert (
        "SIRET 79831948900026 dans l'export, 46270107900016 (Les Jardins de la Vesle) dans "
        "resultats.csv pour le n° d'annexe ACI051230010"
    ) in message
    assert "la décision paierait une autre structure" in message
    assert not (tmp_path / "asp").exists()


# --- le grand livre se vérifie lui-même (point 5) ----------------------------------------------


def refus(chemin: Path) -> str:
    with pytest.raises(ErreurEntree) as erreur:
        lire_grand_livre(chemin)
    return str(erreur.value).replace("\u00a0", " ")


def centime(valeur: Decimal) -> str:
    return str(valeur.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)).replace(".", ",")


def quatre(valeur: Decimal) -> str:
    return str(valeur.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)).replace(".", ",")


def nombre(texte: str) -> Decimal:
    return Decimal(texte.replace(",", "."))


def taux_retouche(ligne: dict, ecart: Decimal) -> None:
    """Un autre taux, et tous les montants de la ligne remis d'accord avec lui (sans enveloppe
    qui réduise ni régularisation) : seule la relecture des scores peut le voir."""
    taux = nombre(ligne["taux_calcule"]) + ecart
    socle = nombre(ligne["montant_socle"])
    montant = centime(socle * taux)
    ligne.update(
        taux_calcule=quatre(taux),
        montant_avant_enveloppe=montant,
        montant_module=montant,
        montant_net=montant,
        taux_effectif=quatre(nombre(montant) / socle) if socle else "",
    )


def sans_reduction(lignes: list[dict], region: str) -> None:
    """L'enveloppe de la région oubliée : chaque montant modulé remis à son montant avant
    enveloppe, chaque ligne cohérente à elle seule."""
    for ligne in lignes:
        if ligne["region"] == region and ligne["enveloppe_disponible"]:
            module = nombre(ligne["montant_avant_enveloppe"])
            regularisation = nombre(ligne["regularisation"] or "0")
            socle = nombre(ligne["montant_socle"])
            ligne.update(
                enveloppe_disponible="",
                total_avant_enveloppe="",
                montant_module=centime(module),
                taux_effectif=quatre(module / socle) if socle else "",
                montant_net=centime(max(Decimal(0), module - regularisation)),
            )
            if ligne["reste_a_deduire"]:
                ligne["reste_a_deduire"] = centime(max(Decimal(0), regularisation - module))


def test_taux_qui_contredit_les_scores_refuse_malgre_le_manifeste(campagne, tmp_path):
    def retoucher(lignes):
        (ligne,) = [ligne for ligne in lignes if ligne["identifiant"] == "ACI051230010"]
        ligne.update(enveloppe_disponible="", total_avant_enveloppe="")
        taux_retouche(ligne, Decimal("0.0055"))  # 6,45 % -> 7,00 %

    chemin = grand_livre_retouche(campagne, tmp_path / "calcul", retoucher)
    message = refus(chemin)
    assert (
        "ligne 2, colonne « taux_calcule » : 0,0700 au lieu de 0,0645 (10 % × (0,35 × score "
        "publics + 0,40 × score effort + 0,25 × score résultats)"
    ) in message


def test_score_retouche_ou_rang_retouche_refuse(campagne, tmp_path):
    def score(lignes):
        lignes[0]["score_publics"] = "0,9000"

    assert (
        "ligne 2, colonne « score_publics » : 0,9000 au lieu de 0,1000 (score publics refait "
        "dans le groupe"
    ) in refus(grand_livre_retouche(campagne, tmp_path / "score", score))

    def rang(lignes):  # le rang et le score changés ensemble : les termes les démentent
        lignes[0].update(rang_publics="19", score_publics="0,9474")

    message = refus(grand_livre_retouche(campagne, tmp_path / "rang", rang))
    assert "ligne 2, colonne « rang_publics » : 19,0 au lieu de 3,0" in message
    assert "colonne « score_publics » : 0,9474 au lieu de 0,1000" in message


def test_region_au_dessus_de_son_enveloppe_refusee_malgre_le_manifeste(campagne, tmp_path):
    chemin = grand_livre_retouche(
        campagne, tmp_path / "calcul", lambda lignes: sans_reduction(lignes, "Grand Est")
    )
    message = refus(chemin)
    assert (
        "région Grand Est : total des montants modulés 296 246,13 € supérieur à son enveloppe de "
        "295 600,00 €"
    ) in message
    assert "ligne 2, colonne « montant_module » : 13 901,57 au lieu de 13 871,24" in message


def test_enveloppe_retouchee_dans_le_grand_livre_refusee(campagne, tmp_path):
    def plus_grande(lignes):
        for ligne in lignes:
            ligne["enveloppe_region"] = "400000,00"
        sans_reduction(lignes, "Grand Est")

    message = refus(grand_livre_retouche(campagne, tmp_path / "calcul", plus_grande))
    assert (
        "région Grand Est : enveloppe 400 000,00 au lieu de 295 600,00, celle que le calcul a "
        "reçue (manifeste.json)"
    ) in message


def test_poids_retouches_refuses_malgre_le_manifeste(campagne, tmp_path):
    """Des poids changés sur toutes les lignes (somme encore de 100 %) et les taux remis
    d'accord ne passent pas : le manifeste consigne les poids appliqués."""

    def retoucher(lignes):
        for ligne in lignes:
            if ligne["poids_publics"]:
                ligne.update(poids_publics="0,4500", poids_effort="0,3000")

    message = refus(grand_livre_retouche(campagne, tmp_path / "poids", retoucher))
    assert "colonne « poids_publics »" in message
    assert "le manifeste du calcul dit 0.35 pour la méthode appliquée" in message


def _poids_a_45(lignes):
    for ligne in lignes:
        if ligne["poids_publics"]:
            ligne["poids_publics"] = "0,4500"


def _plafond_a_12(lignes):
    for ligne in lignes:
        if ligne["plafond_methode"]:
            ligne["plafond_methode"] = "0,1200"


def _groupe_departemental(lignes):
    ligne = next(ligne for ligne in lignes if ligne["groupe"].startswith("ACI"))
    ligne["groupe"] = f"ACI {ligne['departement']}"


@pytest.mark.parametrize(
    ("retoucher", "message"),
    [
        (_poids_a_45, "les poids des critères font 100 % (somme de 1)"),
        (_plafond_a_12, "une méthode peut l'abaisser, jamais le dépasser"),
        (_groupe_departemental, "une seule règle pour tout le grand livre"),
    ],
)
def test_methode_incoherente_refusee_meme_acceptee_modifiee(campagne, tmp_path, retoucher, message):
    """Sans manifeste à comparer (grand livre modifié accepté), la méthode doit encore tenir :
    poids de somme 100 %, plafond sous celui de l'arrêté, une seule règle de groupes."""
    chemin = grand_livre_retouche(campagne, tmp_path / "retouche", retoucher, manifeste=False)
    with pytest.raises(ErreurEntree) as erreur:
        lire_grand_livre(chemin, accepter_modifie=True)
    assert message in str(erreur.value)


def _plafond(valeur: str):
    """Le plafond de la méthode et celui de chaque structure classée au plafond de l'arrêté
    mis à `valeur`, chaque taux multiplié d'autant et ses montants remis d'accord (campagne
    sans enveloppe) : la ligne est cohérente avec elle-même, seules les bornes la trahissent."""

    def retoucher(lignes):
        for ligne in lignes:
            if ligne["plafond"] == "0,1000":
                facteur = nombre(valeur) / nombre(ligne["plafond"])
                ligne.update(plafond_methode=valeur, plafond=valeur)
                taux_retouche(ligne, nombre(ligne["taux_calcule"]) * (facteur - 1))
            elif ligne["plafond_methode"]:
                ligne["plafond_methode"] = valeur

    return retoucher


def test_plafond_double_a_20_pour_cent_vu_par_la_relecture(calculs, tmp_path):
    """Démo 2026 sans enveloppe, plafond doublé : ACI051230010 (taux 6,45 %) passerait à
    12,90 %, 27 803,14 € au lieu de 13 901,57 €. La relecture refait le plafond (10 % de
    l'arrêté), le taux et le montant, même le manifeste ignoré."""
    chemin = grand_livre_retouche(
        calculs[2026].parent, tmp_path / "double", _plafond("0,2000"), manifeste=False
    )
    texte = chemin.read_text("utf-8-sig")
    assert "0,1290" in texte and "27803,14" in texte  # la retouche a bien eu lieu
    with pytest.raises(ErreurEntree) as erreur:
        lire_grand_livre(chemin, accepter_modifie=True)
    message = str(erreur.value).replace("\u00a0", " ")
    assert "colonne « plafond_methode » : " in message
    assert "(0,1000 en 2026) : une méthode peut l'abaisser, jamais le dépasser" in message
    assert "ligne 2, colonne « plafond » : 0,2000 au lieu de 0,1000" in message
    assert "ligne 2, colonne « taux_calcule » : taux de 12,90 % : le montant modulé va de 0 à " in (
        message
    )
    # sous 10 % une fois doublé (2,63 % -> 5,26 %), le taux est refait depuis les scores
    assert "ligne 36, colonne « taux_calcule » : 0,0526 au lieu de 0,0263 (10 % × (0,35" in message


@pytest.mark.parametrize(("valeur", "refuse"), [("0,1000", False), ("0,1001", True)])
def test_plafond_de_la_methode_borne_au_taux_de_l_arrete(calculs, tmp_path, valeur, refuse):
    """10 % (celui de l'arrêté) passe ; 10,01 % est refusé."""
    chemin = grand_livre_retouche(
        calculs[2026].parent, tmp_path / "borne", _plafond(valeur), manifeste=False
    )
    if not refuse:
        assert lire_grand_livre(chemin, accepter_modifie=True).lignes
        return
    with pytest.raises(ErreurEntree) as erreur:
        lire_grand_livre(chemin, accepter_modifie=True)
    assert "une méthode peut l'abaisser, jamais le dépasser" in str(erreur.value)
    assert "colonne « plafond » : 0,1001 au lieu de 0,1000" in str(erreur.value)


@pytest.mark.parametrize("taux", ["0,0499", "0,0501"])
def test_forfait_2014_ni_au_dessous_ni_au_dessus_de_5_pour_cent(calculs, tmp_path, taux):
    """Un grand livre 2014 dont une structure a 4,99 % (ou 5,01 %), montants remis d'accord :
    refusé ; le grand livre du calcul, à 5 % partout, passe."""
    assert {ligne["taux_calcule"] for ligne in lire_grand_livre(calculs[2014]).lignes} == {
        Decimal("0.05")
    }

    def retoucher(lignes):
        taux_retouche(lignes[0], nombre(taux) - nombre(lignes[0]["taux_calcule"]))

    chemin = grand_livre_retouche(calculs[2014].parent, tmp_path / "forfait", retoucher)
    assert (
        f"ligne 2, colonne « taux_calcule » : {taux} au lieu de 0,0500 (taux forfaitaire de "
        "2014 (note 2014-04))"
    ) in refus(chemin)


def test_manifeste_sans_empreinte_des_donnees_refuse(campagne, tmp_path):
    chemin = grand_livre_retouche(campagne, tmp_path / "calcul", lambda lignes: None)
    manifeste = json.loads((chemin.parent / "manifeste.json").read_text("utf-8"))
    manifeste["entrees"] = [e for e in manifeste["entrees"] if e["role"] != "donnees"]
    (chemin.parent / "manifeste.json").write_text(json.dumps(manifeste), encoding="utf-8")
    assert "ne consigne pas l'empreinte SHA-256 des données lues" in refus(chemin)


def test_moins_zero_ecrit_zero_et_relu(tmp_path, capsys):
    """« -0 » ETP réalisés en 2014 : le grand livre écrit 0, jamais « -0 », et se relit."""
    versements = tmp_path / "versements.csv"
    versements.write_text(
        "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
        "ACI051230010;1000,00;2;-0\n",
        encoding="utf-8",
    )
    donnees = tmp_path / "donnees.csv"
    demo_hors_detention(donnees)
    commande = ["calculer", str(donnees), "--annee", "2015", "--sortie", str(tmp_path / "c")]
    assert main([*commande, "--versements-2014", str(versements)]) == 0
    livre = lire_grand_livre(tmp_path / "c" / "resultats.csv")
    ligne = livre.lignes[0]
    assert ligne["etp_realises_2014"] == 0 and ligne["regularisation"] == Decimal("1000.00")
    assert ";2;0;1000,00;" in (tmp_path / "c" / "resultats.csv").read_text("utf-8-sig")
    capsys.readouterr()


def test_petit_socle_taux_effectif_au_dessus_du_maximum_par_l_arrondi(tmp_path):
    """Trouvé par la propriété : 10 % d'un socle de 1,05 € font 0,105, arrondi à 0,11 €, soit un
    taux effectif de 10,48 % ; le grand livre est juste et se relit (le taux calculé, lui, reste
    borné à 10 %)."""
    structures = [
        {
            "identifiant": f"AI00000{rang}",
            "type": "AI",
            "departement": "54",
            "montant_socle": socle,
            "nb_salaries_insertion": "1",
            "nb_beneficiaires_minima": minima,
            "etp_encadrement": encadrement,
            "etp_insertion": "0,01",
            "sorties_totales": "1",
            "sorties_emploi_durable": "0",
            "sorties_emploi_transition": "0",
            "sorties_positives": positives,
        }
        for rang, (socle, minima, encadrement, positives) in enumerate(
            [("0,00", "0", "0,00", "0"), ("1,05", "1", "0,01", "1")]
        )
    ]
    livre = lire_grand_livre(grand_livre_calcule(tmp_path / "calcul", structures, 2019))
    petite = livre.lignes[1]
    assert petite["taux_calcule"] == Decimal("0.1")  # première partout : scores 1
    assert petite["montant_module"] == Decimal("0.11")
    assert petite["taux_effectif"] == Decimal("0.1048")  # 0,11 / 1,05


# --- propriété : tout grand livre écrit par le calcul passe, toute retouche est vue -----------

DEPARTEMENTS = ("54", "67", "13", "2A", "976")


@st.composite
def campagnes(draw):
    """Une campagne au hasard : années du forfait, de la régularisation et d'aujourd'hui,
    milieu pénitentiaire, Mayotte, socle absent (calculé), ex-æquo, indicateurs non
    calculables, enveloppes, versements 2014. Seulement ce que les règles de la date
    permettent de calculer : EITI de 2019 à 2024, EI et ACI en détention à partir de 2017
    (taux fixe sur socle propre jusqu'en 2021, plafond ensuite)."""
    annee = draw(st.sampled_from([2014, 2015, 2019, 2023, 2026]))
    types = ["EI", "ETTI", "AI", "ACI"] + (["EITI"] if 2019 <= annee <= 2024 else [])
    structures, identifiants = [], []
    for rang in range(draw(st.integers(1, 14))):
        type_ = draw(st.sampled_from(types))
        departement = draw(st.sampled_from(DEPARTEMENTS))
        detention = type_ in ("EI", "ACI") and annee >= 2017 and draw(st.integers(0, 4)) == 0
        repli = type_ != "EITI" and (departement != "976" or annee >= 2023 and not detention)
        salaries = draw(st.integers(0, 30))
        # vraisemblance (docs/donnees.md) : au plus 2 sorties par salarié ayant travaillé
        totales = draw(st.integers(0, min(12, 2 * salaries) if salaries else 12))
        durable = draw(st.integers(0, totales))
        transition = draw(st.integers(0, totales - durable))
        # centièmes d'ETP ; au plus deux ETP par salarié (vraisemblance)
        insertion = draw(st.integers(0, min(1500, 200 * salaries) if salaries else 1500))
        encadrement = draw(st.integers(0, min(400, 10 * insertion) if insertion else 400))
        identifiant = f"{type_}{rang:06d}"
        etp = draw(st.integers(50, 3000))
        par_etp = draw(st.one_of(st.just(0), st.integers(250_000, 600_000)))
        identifiants.append(identifiant)
        structures.append(
            {
                "identifiant": identifiant,
                "siret": f"{rang:014d}",
                "raison_sociale": f"Structure {rang}",
                "adresse": f"{rang} rue du Test",
                "code_postal": "54000",
                "commune": "Nancy",
                "type": type_,
                "departement": departement,
                "etp_conventionnes": f"{etp / 100:.2f}".replace(".", ","),
                # nul, ou de 2 500 à 6 000 € par ETP : à moins de dix fois de ETP × socle par
                # ETP pour tout type et toute année (au-delà, refusé comme impossible)
                "montant_socle": ""
                if repli and draw(st.booleans())
                else f"{etp * par_etp / 10_000:.2f}".replace(".", ","),
                "nb_salaries_insertion": str(salaries) if draw(st.booleans()) or salaries else "",
                "nb_beneficiaires_minima": str(draw(st.integers(0, salaries))),
                # au plus 10 ETP d'encadrement par ETP en insertion (vraisemblance)
                "etp_encadrement": f"{encadrement / 100:.2f}".replace(".", ","),
                "etp_insertion": f"{insertion / 100:.2f}".replace(".", ","),
                "sorties_totales": str(totales),
                "sorties_emploi_durable": str(durable),
                "sorties_emploi_transition": str(transition),
                "sorties_positives": str(draw(st.integers(0, totales - durable - transition))),
                "milieu_penitentiaire": "oui" if detention else "non",
            }
        )
    methode = draw(methodes(annee, [s["type"] for s in structures]))
    if methode.optionnels:  # la part de chaque public parmi les salariés en insertion
        for structure in structures:
            salaries = int(structure["nb_salaries_insertion"] or 0)
            for nom in methode.optionnels:
                colonne = CRITERES_OPTIONNELS[nom].colonne
                structure[colonne] = draw(st.sampled_from(["", *map(str, range(salaries + 1))]))
    regions = {d: departements()[d].region for d in DEPARTEMENTS}
    presentes = {regions[s["departement"]] for s in structures}
    enveloppes = {}
    if annee != 2014:
        for region in sorted(presentes):
            if methode.repartition == "totale" or draw(st.booleans()):
                # 0, ou au moins 5 000 € : jamais sous le centième de 5 % des socles tirés
                # (au plus 14 × 300 000 €), qui serait refusé comme invraisemblable
                montant = draw(st.one_of(st.just(0), st.integers(500_000, 20_000_000)))
                enveloppes[region] = f"{montant / 100:.2f}"
    versements = {}
    if annee == 2015:
        for identifiant in identifiants:
            if draw(st.booleans()):
                versements[identifiant] = (
                    f"{draw(st.integers(0, 2_000_000)) / 100:.2f}",
                    f"{draw(st.integers(1, 2000)) / 100:.2f}",
                    f"{draw(st.integers(0, 2500)) / 100:.2f}",
                )
    return annee, methode, structures, enveloppes, versements


@st.composite
def methodes(draw, annee: int, types: list[str]):
    """Une méthode au hasard (docs/methode.md) : notation, poids entiers de somme 100 (zéros
    compris), critères facultatifs et leur sens, plafond abaissé, groupes par département,
    répartition plafond, totale ou taux-moyen (seulement « plafond » en 2014)."""
    criteres = ["publics", "effort", "resultats"]
    facultatifs = [n for n, c in CRITERES_OPTIONNELS.items() if c.colonne in NOMS_COLONNES]
    if facultatifs:  # colonnes canoniques facultatives (bilan annuel de l'ASP)
        criteres += draw(st.lists(st.sampled_from(facultatifs), unique=True, max_size=2))
    coupures = sorted(
        draw(st.lists(st.integers(0, 100), min_size=len(criteres) - 1, max_size=len(criteres) - 1))
    )
    bornes = [0, *coupures, 100]
    poids = {c: bornes[k + 1] - bornes[k] for k, c in enumerate(criteres)}
    valeurs = {
        "nom": draw(st.sampled_from(["Méthode tirée", "Commission ; version 2", "=1+1"])),
        "notation": draw(st.sampled_from(["rang", "minmax"])),
        "poids": poids,
        "sens": {c: draw(st.sampled_from(["plus", "moins"])) for c in criteres[3:]},
        "groupes": draw(st.sampled_from(["type-region", "type-departement"])),
        "repartition": "plafond"
        if annee == 2014
        else draw(st.sampled_from(["plafond", "totale", "taux-moyen"])),
    }
    if draw(st.booleans()):
        valeurs["plafond"] = str(Decimal(draw(st.integers(1, 1000))) / 100)
    if valeurs["repartition"] == "taux-moyen":
        haut = int(Decimal(valeurs.get("plafond", "10")) * 100)
        valeurs["taux_moyen"] = str(Decimal(draw(st.integers(1, haut))) / 100)
    event(f"répartition {valeurs['repartition']}, groupes {valeurs['groupes']}")
    return construire(valeurs, "tirée.yaml")


def ecrire(chemin: Path, entetes: list[str], lignes: list[list[str]]) -> Path:
    with open(chemin, "w", encoding="utf-8", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows([entetes, *lignes])
    return chemin


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(campagnes())
def test_tout_grand_livre_du_calcul_passe_et_toute_retouche_est_vue(campagne):
    annee, methode, structures, enveloppes, versements = campagne
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        donnees = ecrire(
            dossier / "donnees.csv",
            list(structures[0]),
            [list(s.values()) for s in structures],
        )
        options = {"methode": methode, "classeur_xlsx": False}
        if methode.repartition == "totale":  # toute l'enveloppe : une par région
            assert enveloppes
        if enveloppes:
            options["enveloppes"] = ecrire(
                dossier / "env.csv",
                ["region", "enveloppe"],
                [[r, m] for r, m in enveloppes.items()],
            )
        if versements:
            options["versements_2014"] = ecrire(
                dossier / "vers.csv",
                [
                    "identifiant",
                    "montant_verse_2014",
                    "etp_conventionnes_2014",
                    "etp_realises_2014",
                ],
                [[i, *v] for i, v in versements.items()],
            )
        rapport = executer_calcul(donnees, annee, dossier / "calcul", **options)
        if rapport.code_sortie != 0:  # refus possibles : enveloppe sous les taux fixes, ou
            # critère facultatif dont aucune structure n'a de valeur
            assert (
                "aux montants à taux fixe" in rapport.erreur
                or "n'y a aucune valeur" in rapport.erreur
            ), rapport.resume()
            event("calcul refusé (taux fixes ou critère sans valeur)")
            return
        calcul = dossier / "calcul"
        livre = lire_grand_livre(calcul / "resultats.csv")  # passe, sans option
        assert len(livre.lignes) == len(structures)
        for ligne in livre.lignes:
            if ligne["plafond"] is not None:  # jamais au-dessus du montant au plafond
                assert ligne["montant_module"] <= (
                    ligne["montant_socle"] * ligne["plafond"]
                ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if ligne["enveloppe_disponible"] is None and (
                ligne["montant_module"] != ligne["montant_avant_enveloppe"]
            ):
                event(f"structure au plafond ({methode.repartition})")
        comparees = [
            ligne
            for ligne in livre.lignes
            if ligne["motif_taux"]
            in (
                "classement",
                "seule dans son groupe",
                "non calculable",
                "milieu pénitentiaire, plafond",
            )
            and ligne["enveloppe_disponible"] is None
            and ligne["regularisation"] is None
            and ligne["montant_socle"] >= 100
        ]
        if comparees:
            cible = comparees[0]["identifiant"]
            ecart = Decimal("-0.0001") if comparees[0]["taux_calcule"] else Decimal("0.0001")

            def retoucher(lignes):
                (ligne,) = [ligne for ligne in lignes if ligne["identifiant"] == cible]
                taux_retouche(ligne, ecart)

            event(f"taux retouché ({annee}, {methode.notation})")
            message = refus(grand_livre_retouche(calcul, dossier / "taux", retoucher))
            assert "colonne « taux_calcule »" in message and "au lieu de" in message
        reduites = {ligne["region"] for ligne in livre.lignes if ligne["enveloppe_disponible"]}
        if reduites:
            region = sorted(reduites)[0]
            event("répartition de l'enveloppe effacée")
            chemin = grand_livre_retouche(
                calcul, dossier / "enveloppe", lambda lignes: sans_reduction(lignes, region)
            )
            message = refus(chemin)
            if methode.repartition == "plafond":
                assert f"région {region} : total des montants modulés" in message
            else:
                assert "colonne « enveloppe_disponible » : vide au lieu de" in message


# --- un grand livre modifié à la main le dit sur chaque page -------------------------------------

MODIFIE = "grand livre modifié après le calcul"


def entetes_xlsx(chemin: Path) -> dict[str, str]:
    """L'en-tête de page (centre) de chaque feuille d'un classeur."""
    import openpyxl

    classeur = openpyxl.load_workbook(chemin)
    return {f.title: f.oddHeader.center.text or "" for f in classeur.worksheets}


def test_grand_livre_modifie_le_dit_sur_chaque_page(campagne, tmp_path, capsys):
    dossier = tmp_path / "campagne"

    def renommer(lignes):
        (ligne,) = [ligne for ligne in lignes if ligne["identifiant"] == "ACI054240010"]
        ligne["raison_sociale"] = "Nouveau nom"

    resultats = grand_livre_retouche(campagne, dossier / "calcul", renommer, manifeste=False)
    commande = ["annexe5", str(DEMO / "exports" / "ACI.xlsx"), "--mesure", "ACI"]
    commande += ["--annee", "2026", "--resultats", str(resultats), "--sortie", str(dossier / "asp")]
    assert main([*commande, *SIGNES]) == 2  # sans l'option : refusé
    assert main([*commande, *SIGNES, "--resultats-modifies", "--departement", "54"]) == 0
    lettres = dossier / "lettres"
    assert notifications(resultats, lettres, "--resultats-modifies") == 0
    assert main(["rapprocher", str(dossier)]) == 3  # une seule décision : écarts attendus
    capsys.readouterr()
    documents = [
        dossier / "asp" / "decision_asp_2026_54_ACI.docx",
        *sorted(lettres.glob("notification_*.docx")),
    ]
    assert len(documents) == 41  # une décision et 40 lettres
    for document in documents:  # en-têtes de page Word : chaque section, chaque page
        with zipfile.ZipFile(document) as archive:
            entetes = [
                archive.read(nom).decode("utf-8")
                for nom in archive.namelist()
                if nom.startswith("word/header")
            ]
        assert entetes and all(MODIFIE in entete for entete in entetes), document.name
        assert MODIFIE not in texte_lettre(document)  # dans l'en-tête, pas une fois dans le corps
    classeurs = [
        dossier / "asp" / "annexe5_2026_54_ACI.xlsx",
        dossier / "asp" / "synthese.xlsx",
        lettres / "notifications.xlsx",
        dossier / "rapprochement.xlsx",
    ]
    for classeur in classeurs:
        entetes = entetes_xlsx(classeur)
        assert entetes and all(MODIFIE in e for e in entetes.values()), (classeur.name, entetes)
    # sans modification : ni mention ni en-tête
    assert notifications(campagne / "resultats.csv", tmp_path / "propres") == 0
    assert set(entetes_xlsx(tmp_path / "propres" / "notifications.xlsx").values()) == {""}
    with zipfile.ZipFile(
        tmp_path / "propres" / "notification_2026-54-ACI-ACI054240010.docx"
    ) as archive:
        assert MODIFIE not in archive.read("word/header1.xml").decode("utf-8")


@pytest.mark.libreoffice
def test_decision_d_un_grand_livre_modifie_chaque_page_imprimee(campagne, tmp_path, capsys):
    """La décision rendue en PDF par LibreOffice : la mention sur chaque page, annexe comprise."""
    from pypdf import PdfReader

    resultats = grand_livre_retouche(
        campagne, tmp_path / "calcul", lambda lignes: None, manifeste=False
    )
    resultats.write_text(resultats.read_text("utf-8-sig") + "\r\n", encoding="utf-8-sig")
    commande = ["annexe5", str(DEMO / "exports" / "ACI.xlsx"), "--mesure", "ACI", "--annee"]
    commande += ["2026", "--resultats", str(resultats), "--sortie", str(tmp_path / "asp")]
    commande += ["--lieu", "Nancy", "--signataire", "Jeanne Martin", "--pdf"]
    assert main([*commande, "--resultats-modifies", "--departement", "57"]) == 0
    capsys.readouterr()
    pages = PdfReader(tmp_path / "asp" / "decision_asp_2026_57_ACI.pdf").pages
    assert len(pages) >= 2
    for page in pages:
        assert MODIFIE in " ".join(page.extract_text().split())


def test_modele_sans_mention_en_tete_refuse_pour_un_grand_livre_modifie(campagne, tmp_path, capsys):
    import docx
    from iae_modulation.documents.notifications import CHAMPS_OBLIGATOIRES

    document = docx.Document()
    for champ in sorted(CHAMPS_OBLIGATOIRES) + ["mention_modifie"]:
        document.add_paragraph(f"{{{{ {champ} }}}}")
    modele = tmp_path / "modele.docx"
    document.save(str(modele))
    resultats = grand_livre_retouche(
        campagne, tmp_path / "calcul", lambda lignes: None, manifeste=False
    )
    resultats.write_text(resultats.read_text("utf-8-sig") + "\r\n", encoding="utf-8-sig")
    options = ["--modele", str(modele), "--resultats-modifies"]
    assert notifications(resultats, tmp_path / "lettres", *options) == 2
    message = sortie_capturee(capsys)
    assert "aucun en-tête de page ne porte le champ {{ mention_modifie }}" in message
    assert "chaque page doit le dire" in message
    assert not (tmp_path / "lettres").exists()
    assert (
        notifications(campagne / "resultats.csv", tmp_path / "propres", "--modele", str(modele))
        == 0
    )
