"""Les actions du ruban exécutées sans Excel sur une copie du gabarit (jumeau « fichier »)."""

from __future__ import annotations

import argparse
import shutil
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from aides import classeur_de_campagne, grand_livre
from iae_modulation.classeur_resultats import ENTETES
from iae_modulation.commandes import classeur as commande
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import macros, paquet
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.resultats import COLONNES_NUMERIQUES

RACINE = Path(__file__).resolve().parents[1]
GABARIT = RACINE / "templates" / "IAE_modulation.xlsm"
EXPORT_ACI = RACINE / "python" / "iae_modulation" / "demo" / "exports" / "ACI.xlsx"


@pytest.fixture
def copie(tmp_path) -> Path:
    return classeur_de_campagne(tmp_path / "campagne.xlsm")


def executer(action: str, chemin: Path, **parametres) -> macros.ResultatAction:
    classeur = ClasseurFichier(chemin)
    for nom, valeur in parametres.items():
        classeur.ecrire_parametre(nom, valeur)
    return macros.ACTIONS[action](classeur)


def garde_vba_et_ruban(chemin: Path) -> None:
    contenu, origine = (
        paquet.lire_parties(chemin.read_bytes()),
        paquet.lire_parties(GABARIT.read_bytes()),
    )
    assert paquet.problemes(chemin.read_bytes()) == []
    assert contenu[paquet.PARTIE_VBA] == origine[paquet.PARTIE_VBA]
    assert contenu[paquet.PARTIE_RUBAN] == origine[paquet.PARTIE_RUBAN]
    livre = openpyxl.load_workbook(chemin, keep_vba=True)
    assert livre.code_name == "ThisWorkbook"
    assert livre[contrat.DONNEES].sheet_properties.codeName == "Sheet3"


def journal(chemin: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(chemin)[contrat.JOURNAL].iter_rows(values_only=True))[1:]


def test_calculer_remplit_resultats_synthese_et_journal(copie):
    resultat = executer("calculer", copie)
    assert resultat.code == 0, resultat.message
    garde_vba_et_ruban(copie)
    livre = openpyxl.load_workbook(copie)
    note = ClasseurFichier(copie).lire_parametre("dernier_calcul")
    assert note.startswith("IAE_sorties/calcul-2026-")  # relatif : le classeur voyage
    dossier = copie.parent / note
    csv = grand_livre(dossier / "resultats.csv")
    # les feuilles du classeur tiennent lieu de resultats.xlsx : un clic ne l'écrit pas
    assert not (dossier / "resultats.xlsx").exists()
    lignes = list(livre[contrat.RESULTATS].iter_rows(values_only=True))
    entetes = list(lignes[0])
    assert entetes == [ENTETES[c] for c in csv.columns if c != "ligne_source"]
    assert len(lignes) == len(csv) + 1
    # la feuille Résultats est le grand livre, colonne par colonne, au centime près
    numeriques = COLONNES_NUMERIQUES
    for ligne, attendu in zip(lignes[1:], csv.to_dict("records"), strict=True):
        for entete, valeur in zip(entetes, ligne, strict=True):
            colonne = next(c for c, e in ENTETES.items() if e == entete)
            if colonne in numeriques:
                lue = None if valeur is None else Decimal(format(valeur, ".15g"))
                assert lue == attendu[colonne], (attendu["identifiant"], colonne)
            else:
                assert (valeur or "") == attendu[colonne], (attendu["identifiant"], colonne)
    socle = entetes.index(ENTETES["montant_socle"])
    assert livre[contrat.RESULTATS].cell(2, socle + 1).number_format == contrat.FORMAT_EUROS
    synthese = list(livre[contrat.SYNTHESE].iter_rows(min_row=4, values_only=True))
    assert [s[0] for s in synthese] == ["EI", "ETTI", "AI", "ACI", "EITI", "Total"]
    assert synthese[-1][1] == len(csv)
    assert Decimal(format(synthese[-1][3], ".15g")) == sum(csv["montant_module"])
    assert len(openpyxl.load_workbook(copie, keep_vba=True)[contrat.SYNTHESE]._charts) == 2
    ((date, action, entrees, sorties, etat),) = journal(copie)
    assert action == "Calculer la modulation"
    # le gabarit garde ses 40 structures fictives : le calcul le dit en premier ; 2026 : aucun
    # arrêté enregistré, le Journal le dit ensuite
    assert etat.startswith("réussi : Attention : 40 structure(s) fictive(s) de la démonstration")
    assert "\nATTENTION : aucun arrêté fixant les montants de l'aide au " in etat
    assert "n'est enregistré pour 2026" in etat and "\n40 structures calculées" in etat
    assert "donnees-" in entrees and "resultats.csv" in sorties
    assert (copie.parent / "IAE_sorties" / "entrees").is_dir()


def test_verifier_signale_et_surligne_les_cellules_fautives(copie):
    classeur = ClasseurFichier(copie)
    lignes = classeur.lire_feuille(contrat.DONNEES)
    lignes[4][6] = "XYZ"  # type
    lignes[5][2] = "=1+1 SARL"  # texte qui ressemble à une formule
    classeur.ecrire_lignes(contrat.DONNEES, 5, lignes[4:])
    classeur.enregistrer()
    resultat = executer("verifier", copie)
    assert resultat.code == macros.CODE_DONNEES_INVALIDES
    garde_vba_et_ruban(copie)
    livre = openpyxl.load_workbook(copie, keep_vba=True)
    rapport = list(livre[contrat.VERIFICATION].iter_rows(min_row=4, values_only=True))
    assert rapport[0][:3] == (5, "type", "XYZ") and rapport[0][4] == "bloquant"
    assert "XYZ" in rapport[0][3]
    assert livre[contrat.DONNEES]["G5"].fill.fgColor.rgb.endswith(contrat.COULEUR_SURLIGNAGE)
    assert not livre[contrat.DONNEES]["G4"].fill.fgColor.rgb.endswith(contrat.COULEUR_SURLIGNAGE)
    assert livre[contrat.DONNEES]["C6"].value == "=1+1 SARL"
    assert livre[contrat.DONNEES]["C6"].data_type == "s"
    assert journal(copie)[0][4].startswith("échec : Attention : 40 structure(s) fictive(s)")
    assert "\n40 ligne(s) lue(s), 39 valide(s)" in journal(copie)[0][4]


def test_structures_de_demonstration_signalees_tant_qu_il_en_reste(copie):
    """Une vraie campagne dont la feuille garde des structures fictives : chaque action qui les
    lit le dit ; remplacées, plus rien n'est signalé."""
    classeur = ClasseurFichier(copie)
    lignes = classeur.lire_feuille(contrat.DONNEES)
    position = lignes[0].index("identifiant")
    for ligne in lignes[1:39]:  # 38 structures « réelles », 2 fictives restées
        ligne[position] = "REEL-" + ligne[position]
    classeur.ecrire_lignes(contrat.DONNEES, 1, lignes)
    classeur.enregistrer()
    for action in ("verifier", "calculer", "notifications"):
        resultat = executer(action, copie)
        assert resultat.message.startswith("Attention : 2 structure(s) fictive(s)"), action
        exemple = resultat.message.split("(ex. ")[1].split(")")[0]
        assert exemple in {ligne[position] for ligne in lignes[39:]}
    for ligne in lignes[39:]:
        ligne[position] = "REEL-" + ligne[position]
    classeur = ClasseurFichier(copie)
    classeur.ecrire_lignes(contrat.DONNEES, 1, lignes)
    classeur.enregistrer()
    for action in ("verifier", "calculer"):
        assert "fictive" not in executer(action, copie).message, action


def test_annee_a_renseigner(tmp_path):
    """Le gabarit livré n'a pas d'année : la première action demande de la renseigner."""
    chemin = tmp_path / "neuf.xlsm"
    shutil.copyfile(GABARIT, chemin)
    resultat = executer("calculer", chemin)
    assert resultat.code == macros.CODE_DONNEES_INVALIDES
    assert "« Année de campagne » : à renseigner" in resultat.message


def test_documents_apres_calcul(copie):
    # l'enveloppe de la démonstration, choisie ici par l'agent (le gabarit n'en propose aucune)
    assert executer("calculer", copie, region="Grand Est", enveloppe=295600).code == 0
    decision = executer("decision-asp", copie, export_annexe5=str(EXPORT_ACI), departements="51")
    assert decision.code == 0, decision.message
    assert any(p.endswith("decision_asp_2026_51_ACI.docx") for p in decision.sorties)
    assert all(Path(p).is_file() for p in decision.sorties)
    # le journal dit où en est la campagne : seules les ACI de la Marne ont leur décision
    assert "Rapprochement : grand livre 40 structure(s)" in decision.message
    assert "décisions ASP 4, " in decision.message and "écart(s)" in decision.message
    lettres = executer(
        "notifications", copie, affaire="Paul Durand", telephone="01 99 00 00 00", courriel=""
    )
    assert lettres.code == 0, lettres.message
    dossier, rapprochement, *bordereau = lettres.sorties
    # signataire et lieu vides dans « Paramètres » : des projets, et le journal le dit
    assert len(list(Path(dossier).glob("PROJET_notification_*.docx"))) == 40
    # « Affaire suivie par » et « Téléphone » des Paramètres, en tête de chaque lettre
    lettre = docx.Document(Path(dossier) / "PROJET_notification_2026-51-ACI-ACI051230010.docx")
    assert lettre.paragraphs[1].text == (
        "Affaire suivie par : Paul Durand – téléphone : 01 99 00 00 00"
    )
    assert "ATTENTION : documents non signés" in lettres.message
    assert Path(rapprochement).name == "rapprochement.xlsx"
    assert "lettres 40, 295 599,82 €" in lettres.message.replace("\u00a0", " ")
    garde_vba_et_ruban(copie)
    assert [ligne[1] for ligne in journal(copie)] == [
        "Calculer la modulation",
        "Générer décision ASP",
        "Générer les notifications",
    ]
    assert "Rapprochement :" in journal(copie)[-1][4]


def test_decision_signee_remplacee_apres_un_nouveau_calcul(copie):
    """Après une décision signée, un nouveau « Calculer » (son propre dossier) ne peut pas en
    produire une seconde payable : le journal dit quelle cellule remplir ; avec le numéro dans
    « Décisions remplacées (annexe 5) », la nouvelle décision annule et remplace l'ancienne."""
    signe = {"lieu": "Châlons-en-Champagne", "signataire": "Jeanne Martin"}
    envoi = {"export_annexe5": str(EXPORT_ACI), "departements": "51"}
    assert executer("calculer", copie, region="Grand Est", enveloppe=295600).code == 0
    premiere = executer("decision-asp", copie, **envoi, **signe)
    assert premiere.code == 0, premiere.message
    assert "décision n° 2026-51-ACI-001" in premiere.message
    assert executer("calculer", copie).code == 0
    refus = executer("decision-asp", copie)
    assert refus.code == 2
    message = " ".join(refus.message.split())
    assert "n° 2026-51-ACI-001" in message and "Une seconde décision payable est refusée" in message
    assert (
        "Dans le classeur : écrivez le numéro de la décision à remplacer dans « Décisions "
        "remplacées (annexe 5) » (feuille « Paramètres »)"
    ) in message
    seconde = executer("decision-asp", copie, remplace_annexe5="2026-51-ACI-001")
    assert seconde.code == 0, seconde.message
    assert "décision n° 2026-51-ACI-002" in seconde.message
    assert "c'est lui qui tient la décision remplacée (2026-51-ACI-001)" in seconde.message
    decision = next(p for p in seconde.sorties if p.endswith("decision_asp_2026_51_ACI.docx"))
    texte = " ".join(p.text for p in docx.Document(decision).paragraphs).replace("\u00a0", " ")
    assert "Annule et remplace la décision n° 2026-51-ACI-001" in texte
    assert "décisions ASP 4, " in seconde.message
    assert [ligne[1] for ligne in journal(copie)][-1] == "Générer décision ASP"


def test_deux_actions_de_la_meme_seconde_ne_se_refusent_pas(tmp_path, monkeypatch):
    """Deux actions dans la même seconde : la seconde prend « -2 », puis « -3 » ; un
    horodatage d'une autre seconde qui commence pareil ne compte pas."""
    import datetime as dt
    import types

    class Fige(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 6, 15, 10, 0, 0)

    monkeypatch.setattr(macros, "dt", types.SimpleNamespace(datetime=Fige))
    assert macros._horodatage(tmp_path / "absent") == "20260615-100000"
    (tmp_path / "calcul-20260615-1000001").mkdir()  # pas la même seconde
    assert macros._horodatage(tmp_path) == "20260615-100000"
    (tmp_path / "entrees").mkdir()
    (tmp_path / "entrees" / "donnees-20260615-100000.xlsx").touch()
    assert macros._horodatage(tmp_path) == "20260615-100000-2"
    (tmp_path / "annexe5-ACI-2026-20260615-100000-2").mkdir()
    assert macros._horodatage(tmp_path) == "20260615-100000-3"


def test_rapprocher_ecrit_le_bordereau_comme_la_commande(copie):
    """Après une décision ou des lettres, le rapport et le bordereau d'envoi dans le dossier de
    sortie, comme `iae-modulation rapprocher` ; un a_envoyer.txt de l'agent n'est pas remplacé."""
    sortie = copie.parent / "IAE_sorties"
    assert executer("calculer", copie, region="Grand Est", enveloppe=295600).code == 0
    notes = sortie / "a_envoyer.txt"
    notes.write_text("Mes notes d'envoi\n", encoding="utf-8")
    decision = executer("decision-asp", copie, export_annexe5=str(EXPORT_ACI), departements="51")
    assert decision.code == 0, decision.message
    assert notes.read_text(encoding="utf-8") == "Mes notes d'envoi\n"
    assert not (sortie / "a_envoyer.xlsx").exists()
    assert decision.sorties[-1] == str(sortie / "rapprochement.xlsx")
    assert decision.message.endswith(
        f"{sortie / 'a_envoyer.xlsx'} ou a_envoyer.txt existe et n'est pas un bordereau de "
        "l'outil : le bordereau n'est pas écrit (renommez-le, ou choisissez un autre dossier de "
        "sortie dans « Paramètres »)."
    )
    notes.unlink()
    lettres = executer("notifications", copie)
    assert lettres.code == 0, lettres.message
    assert lettres.sorties[1:] == [
        str(sortie / "rapprochement.xlsx"),
        str(sortie / "a_envoyer.xlsx"),
        str(sortie / "a_envoyer.txt"),
    ]
    assert all(Path(p).is_file() for p in lettres.sorties[1:])
    assert f"Rapport du rapprochement : {sortie / 'rapprochement.xlsx'}\n" in lettres.message
    assert lettres.message.endswith(
        f"Bordereau d'envoi (ce qui part à qui) : {sortie / 'a_envoyer.xlsx'} et a_envoyer.txt"
    )
    annexe5 = Path(decision.sorties[0]).parent.name
    texte = notes.read_text(encoding="utf-8").splitlines()
    assert texte[1:6] == [
        "PROJET — non signé : ne rien envoyer avant la signature des documents.",
        "ATTENTION : 36 écart(s) au rapprochement (voir rapprochement.xlsx) : ne rien envoyer "
        "avant de les avoir levés.",
        "",
        "À l'ASP (Agence de services et de paiement) : 1 décision(s) et leurs tableaux annexés",
        f"  - (projet) : {annexe5}/PROJET_decision_asp_2026_51_ACI.docx et son tableau "
        f"{annexe5}/PROJET_annexe5_2026_51_ACI.xlsx · NON SIGNÉE",
    ]
    assert "À chaque SIAE, sa lettre : 40 lettre(s), dont 40 non signée(s)" in texte
    lignes = list(
        openpyxl.load_workbook(sortie / "a_envoyer.xlsx").active.iter_rows(values_only=True)
    )
    asp = [ligne[:3] for ligne in lignes if ligne[0] == "ASP"]
    assert asp == [
        ("ASP", f"{annexe5}/PROJET_decision_asp_2026_51_ACI.docx", "NON (projet)"),
        ("ASP", f"{annexe5}/PROJET_annexe5_2026_51_ACI.xlsx", "NON (projet)"),
    ]
    siae = [ligne for ligne in lignes if str(ligne[0]).startswith("SIAE ")]
    assert len(siae) == 40
    assert siae[0][0] == "SIAE ACI051230010 – Les Jardins de la Vesle"
    assert siae[0][1].endswith("/PROJET_notification_2026-51-ACI-ACI051230010.docx")
    assert siae[0][2:4] == ("NON (projet)", "2026-51-ACI-ACI051230010")


def test_documents_sans_calcul_ni_export_message_clair(copie):
    resultat = executer("notifications", copie)
    assert resultat.code == 2
    assert resultat.message.startswith("Aucun calcul enregistré : cliquez d'abord sur")
    assert executer("calculer", copie).code == 0
    resultat = executer("decision-asp", copie)
    assert resultat.code == 2 and "Export extranet (annexe 5)" in resultat.message
    garde_vba_et_ruban(copie)


def test_ouvrir_dossier_de_sortie_cree_le_dossier(copie):
    resultat = executer("ouvrir-dossier", copie, dossier_sortie="sorties campagne")
    assert resultat.code == 0
    assert (copie.parent / "sorties campagne").is_dir()
    garde_vba_et_ruban(copie)


def parseur() -> argparse.ArgumentParser:
    principal = argparse.ArgumentParser(prog="iae-modulation")
    commande.enregistrer(principal.add_subparsers(dest="commande", required=True))
    return principal


def test_commande_executer_avec_parametre(copie, capsys):
    args = parseur().parse_args(
        ["classeur", "executer", "verifier", str(copie), "--parametre", "annee=deux mille"]
    )
    assert args.executer(args) == 2
    assert "« deux mille » n'est pas une année" in capsys.readouterr().err
    args = parseur().parse_args(
        ["classeur", "executer", "verifier", str(copie), "--parametre", "annee=2026"]
    )
    assert args.executer(args) == 0
    assert "40 ligne(s) lue(s), 40 valide(s). Aucune anomalie." in capsys.readouterr().out
    garde_vba_et_ruban(copie)


def test_commande_executer_refuse_un_classeur_sans_macros(tmp_path, capsys):
    faux = tmp_path / "donnees.xlsx"
    faux.write_bytes(b"pas un classeur")
    args = parseur().parse_args(["classeur", "executer", "calculer", str(faux)])
    assert args.executer(args) == 2
    assert "il faut un classeur avec macros (.xlsm)" in capsys.readouterr().err


def test_importer_les_donnees_asp_remplit_donnees_siae(copie, tmp_path):
    """Le bouton « Importer les données ASP » : preparer sur les fichiers des Paramètres, puis
    la table préparée dans le tableau « Données SIAE » (agrandi), que Vérifier accepte."""
    from aides import DONNEES
    from iae_modulation.lecture import lire_table
    from iae_modulation.synthetique_asp import ecrire_fichiers_asp

    fichiers = ecrire_fichiers_asp(lire_table(DONNEES).table, 2026, tmp_path / "asp")
    resultat = executer(
        "importer-asp",
        copie,
        fluxiae_annexes=str(fichiers.annexes),
        bilan_asp=str(fichiers.bilan),
        fluxiae_structures=str(fichiers.structures),
    )
    assert resultat.code == 0, resultat.message
    assert "40 structure(s) importée(s)" in resultat.message
    garde_vba_et_ruban(copie)
    livre = openpyxl.load_workbook(copie)
    feuille = livre[contrat.DONNEES]
    lignes = list(feuille.iter_rows(values_only=True))
    entetes = list(lignes[0])
    assert len(lignes) == 41
    premiere = dict(zip(entetes, lignes[1], strict=True))
    assert premiere["identifiant"] == "ACI051230010"
    assert premiere["siret"] == "46270107900016"
    assert premiere["montant_socle"] == 215528.21
    assert premiere["nb_beneficiaires_minima"] == 10
    assert premiere["etp_realises"] is None
    assert (
        feuille.tables[contrat.TABLE_DONNEES].ref
        == f"A1:{feuille.cell(1, len(entetes)).column_letter}41"
    )
    (preparation,) = (copie.parent / "IAE_sorties").glob("preparation-2026-*")
    assert (preparation / "preparation.xlsx").is_file()
    assert journal(copie)[-1][1] == "Importer les données ASP"
    assert executer("verifier", copie).code == 0
