"""Une campagne cohérente : grand livre, décisions ASP et lettres disent les mêmes montants, et
`iae-modulation rapprocher` trouve toute structure oubliée ou tout montant qui diffère d'un centime.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from aides import DEMO, DONNEES, empreinte_remise, sortie_capturee
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from iae_modulation.annexe5 import demo_annexe5, executer_annexe5
from iae_modulation.campagne import executer_calcul
from iae_modulation.cli import main
from iae_modulation.documents.notifications import generer_notifications
from iae_modulation.documents.signature import signature_demo
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.exports.exemples import ecrire_export_xlsx
from iae_modulation.rapprochement import CODE_CONCORDANT, CODE_ECARTS, rapprocher
from iae_modulation.resultats import lire_grand_livre


def campagne_de_demo(dossier: Path) -> Path:
    """Calcul, annexe 5 des cinq mesures et lettres de la démo, sans PDF."""
    calcul = executer_calcul(
        DONNEES, 2026, dossier / "calcul", enveloppes=DEMO / "enveloppes_demo.csv"
    )
    assert calcul.code_sortie == 0, calcul.resume()
    resultats = dossier / "calcul" / "resultats.csv"
    demo_annexe5(dossier / "annexe5", resultats, pdf=False)
    lettres = generer_notifications(
        resultats,
        DONNEES,
        2026,
        dossier / "notifications",
        signature=signature_demo(),
        progression=False,
        pdf=False,
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


def test_demo_concordante_par_departement_et_mesure(demo):
    rapprochement = rapprocher(demo)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    assert rapprochement.ecarts == []
    assert rapprochement.livre == rapprochement.decisions == rapprochement.lettres
    assert len(rapprochement.livre) == 19  # 19 décisions (pas d'EITI en 2026)
    total = sum((c.montant for c in rapprochement.decisions.values()), Decimal(0))
    assert total == Decimal("295599.82")  # l'enveloppe de 295 600,00 € moins le reliquat
    par_mesure = {}
    for (_, mesure), compte in rapprochement.decisions.items():
        par_mesure[mesure] = par_mesure.get(mesure, Decimal(0)) + compte.montant
    assert par_mesure == {
        "ACI": Decimal("213853.75"),
        "AI": Decimal("17165.19"),
        "EI": Decimal("32360.02"),
        "ETTI": Decimal("32220.86"),
    }
    assert rapprochement.decisions[("67", "ETTI")].structures == 1


def test_commande_code_0_et_rapport_xlsx(demo, tmp_path, capsys):
    rapport = tmp_path / "rapprochement.xlsx"
    assert main(["rapprocher", str(demo), "--sortie", str(rapport)]) == 0
    texte = sortie_capturee(capsys).replace("\u00a0", " ")
    (ligne_etti,) = [ligne for ligne in texte.splitlines() if ligne.startswith("67    ETTI")]
    assert ligne_etti.count("1 ·") == 3 and ligne_etti.count("4 272,12 €") == 3
    assert "Concordant" in texte
    classeur = openpyxl.load_workbook(rapport)
    assert classeur.sheetnames == ["Rapprochement", "Écarts", "Documents"]
    lignes = list(classeur["Rapprochement"].iter_rows(min_row=4, values_only=True))
    assert len(lignes) == 19 and all(ligne[-1] == "oui" for ligne in lignes)
    assert list(classeur["Écarts"].iter_rows(min_row=2, values_only=True))[0][0] == "Aucun écart."


def test_lettre_manquante_et_decision_manquante_code_3(copie_demo, capsys):
    (copie_demo / "notifications" / "notification_2026-54-EI-EI054240006.docx").unlink()
    shutil.rmtree(copie_demo / "annexe5" / "ETTI")
    assert main(["rapprocher", str(copie_demo)]) == CODE_ECARTS
    texte = sortie_capturee(capsys)
    assert (
        "54 EI EI054240006 : lettre : notification_2026-54-EI-EI054240006.docx introuvable" in texte
    )
    assert "67 ETTI ETTI067230023 : absente des décisions ASP (net 4" in texte
    assert "6 écart(s)" in texte  # la lettre, et les 5 ETTI de la démo sans décision


def test_un_centime_de_difference_est_un_ecart(copie_demo):
    """Un tableau qui paierait un centime de plus que le grand livre (son manifeste mis à jour,
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
    assert rapprochement.code_sortie == CODE_ECARTS
    ((ecart),) = [e for e in rapprochement.ecarts if e.identifiant.startswith("AI")]
    assert (ecart.departement, ecart.mesure) == ("67", "AI")
    assert ecart.probleme.replace("\u00a0", " ") == "décision 1 127,68 €, grand livre 1 127,67 €"
    # et la décision Word dit toujours l'ancien total : c'est un second écart
    assert any("total de la décision" in e.probleme for e in rapprochement.ecarts)


def test_document_modifie_a_la_main_signale(copie_demo):
    lettre = copie_demo / "notifications" / "notification_2026-51-ACI-ACI051230010.docx"
    lettre.write_bytes(lettre.read_bytes() + b"\0")
    rapprochement = rapprocher(copie_demo)
    assert [e.probleme for e in rapprochement.ecarts] == [
        "lettre : notification_2026-51-ACI-ACI051230010.docx modifié après sa production (son "
        "empreinte n'est plus celle du manifeste)"
    ]


def test_rapport_d_un_agent_jamais_remplace(copie_demo, capsys):
    (copie_demo / "rapprochement.xlsx").write_bytes(b"tableau de l'agent")
    assert main(["rapprocher", str(copie_demo)]) == 0
    assert (copie_demo / "rapprochement.xlsx").read_bytes() == b"tableau de l'agent"
    assert "n'est pas un rapport de rapprochement de l'outil" in sortie_capturee(capsys)


def test_dossier_sans_calcul_code_2(tmp_path, capsys):
    assert main(["rapprocher", str(tmp_path)]) == 2
    assert "aucun calcul (resultats.csv et son manifeste)" in sortie_capturee(capsys)


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
    assert rapprochement.decisions[("51", "ACI")].montant == sum(
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
                "etp_conventionnes": str(draw(st.integers(1, 40))),
                "montant_socle": f"{draw(st.integers(100_000, 50_000_000)) / 100:.2f}",
                "dont_cofinancement_cd": "0",
                "nb_salaries_insertion": str(salaries),
                "nb_beneficiaires_minima": str(draw(st.integers(0, salaries))),
                "etp_encadrement": str(draw(st.integers(0, 5))),
                "etp_insertion": str(draw(st.integers(0, 20))),
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
    assert rapprochement.decisions == rapprochement.lettres == rapprochement.livre
    net = sum((ligne["montant_net"] for ligne in lire_grand_livre(resultats).lignes), Decimal(0))
    assert sum((c.montant for c in rapprochement.decisions.values()), Decimal(0)) == net


def test_campagne_non_signee_en_projet_et_rapprochee(tmp_path, capsys):
    """Sans --signataire ni --lieu : décisions et lettres « PROJET_… », un avertissement, et
    `iae-modulation rapprocher` relit ces noms, concorde et dit que le lot est à signer."""
    calcul = tmp_path / "calcul"
    assert main(["calculer", str(DONNEES), "--annee", "2026", "--sortie", str(calcul)]) == 0
    resultats = calcul / "resultats.csv"
    for mesure, export in (("ACI", "ACI.xlsx"), ("ETTI", "ETTI.csv")):
        commande = ["annexe5", str(DEMO / "exports" / export), "--mesure", mesure.lower()]
        sortie = tmp_path / "annexe5" / mesure
        options = ["--annee", "2026", "--resultats", str(resultats), "--sortie", str(sortie)]
        assert main([*commande, *options, "--sans-pdf"]) == 0
    lettres = tmp_path / "notifications"
    commande = ["notifications", str(resultats), "--donnees", str(DONNEES), "--annee", "2026"]
    assert main([*commande, "--sortie", str(lettres), "--sans-pdf"]) == 0
    texte = sortie_capturee(capsys)
    assert texte.count("ATTENTION : documents non signés (--signataire et --lieu manquant)") == 3
    decisions = sorted(p.name for p in (tmp_path / "annexe5" / "ACI").glob("*.docx"))
    assert decisions and all(nom.startswith("PROJET_decision_asp_2026_") for nom in decisions)
    noms = sorted(p.name for p in lettres.glob("*.docx"))
    assert len(noms) == 40 and noms[0] == "PROJET_notification_2026-51-ACI-ACI051230010.docx"
    assert main(["rapprocher", str(tmp_path)]) == CODE_ECARTS  # AI et EI sans décision
    texte = sortie_capturee(capsys)
    assert "sans lettre" not in texte
    assert "PROJET — non signé : à signer avant tout envoi" in texte
    assert "PROJET_decision_asp_2026_54_ACI.docx : lu, PROJET" in texte
    rapprochement = rapprocher(tmp_path)
    ecarts = {e.mesure for e in rapprochement.ecarts}
    assert ecarts == {"AI", "EI"}, rapprochement.resume()
    assert rapprochement.decisions[("54", "ACI")] == rapprochement.livre[("54", "ACI")]
    assert rapprochement.lettres == rapprochement.livre


def test_campagne_2014_au_taux_forfaitaire_identifiants_avec_avenant(tmp_path):
    """Des identifiants écrits avec leur avenant (« …A0M0 ») dans les données : les tableaux
    au taux forfaitaire nomment l'annexe sans avenant. Avant : chaque structure était « absente
    du grand livre » et « absente des décisions », code 3, alors que les montants concordaient."""
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
    )
    rapprochement = rapprocher(tmp_path)
    assert rapprochement.code_sortie == CODE_CONCORDANT, rapprochement.resume()
    assert rapprochement.decisions == rapprochement.lettres == rapprochement.livre


def test_demo_ne_remplace_pas_le_rapprochement_d_un_agent(tmp_path, capsys):
    dossier = tmp_path / "demo"
    dossier.mkdir()
    (dossier / "rapprochement.xlsx").write_bytes(b"tableau de l'agent")
    assert main(["demo", "--sortie", str(dossier), "--sans-pdf"]) == 2
    assert "contient autre chose qu'une démonstration (rapprochement.xlsx)" in (
        sortie_capturee(capsys)
    )
    assert main(["demo", "--sortie", str(dossier), "--sans-pdf", "--ecraser"]) == 0
    assert (dossier / "rapprochement.xlsx").read_bytes() == b"tableau de l'agent"
