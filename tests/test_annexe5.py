"""Annexe 5 : étapes de la note par mesure, filtre, montants au centime, refus, entrée intacte."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from aides import grand_livre_calcule
from iae_modulation.annexe5 import executer_annexe5
from iae_modulation.commandes import annexe5 as commande
from iae_modulation.documents.signature import Signature
from iae_modulation.exports.entetes import disposition_de_la_mesure
from iae_modulation.exports.exemples import ecrire_export_csv, ecrire_export_xlsx, lignes_export
from iae_modulation.formats import montant_fr
from iae_modulation.sorties import sha256

SIGNATURE = Signature(lieu="Nancy", signataire="Jeanne Martin", date=dt.date(2026, 6, 15))
CINQ = Decimal(5)

# identifiant;siret;raison sociale;type;département;ETP;socle;cofinancement CD
STRUCTURES = [
    ligne.split(";")
    for ligne in (
        "EI054240006;73004030000065;Lorraine Espaces Verts;EI;54;3,32;41363,88;0",
        "EI054250018;80370412100091;Nancy Bâtiment Insertion;EI;54;0,01;100,50;0",
        "EI057230010;51688656100088;Moselle Recyclage;EI;57;3,12;38872,08;0",
        "ETTI054240020;37207547300051;Intérim Solidaire 54;ETTI;54;20,00;95620,00;0",
        "ETTI088240035;44441236500011;Vosges Intérim;ETTI;88;17,00;81133,57;0",
        "AI054240020;46270107900016;Entraide Emploi Nancy;AI;54;28,90;46789,10;0",
        "AI067240016;79831948900026;Services Plus Alsace;AI;67;33,56;54333,64;0",
        "ACI054240010;43735569600026;Solidarité Réemploi;ACI;54;7,71;184430,91;30000",
        "ACI054250026;75183801200076;Jardins de Lorraine;ACI;54;9,00;215289,00;0",
        "ACI067230035;85568983200027;Chantier Rhin;ACI;67;8,40;200936,40;20000",
    )
]

COLONNES_ATTENDUES = {
    "EI": [
        "Département",
        "N° SIRET",
        "Raison sociale",
        "N° annexe financière",
        "Date début effet annexe",
        "Date fin effet annexe",
        "Nombre de postes conventionnés",
        "Montant prévu de l'aide de l'Etat = AE",
        "Montant modulé prévu",
    ],
    # Les colonnes littérales de la note pour les ETTI (--colonnes-de-la-note) : toutes.
    "ETTI (note)": [
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
        "Montant payé = CP",
        "Reste à payer",
        "Montant modulé prévu",
    ],
    "AI": [
        "Département",
        "N° SIRET",
        "Raison sociale",
        "Commune",
        "N° convention",
        "N° annexe financière",
        "Date début effet annexe",
        "Date fin effet annexe",
        "Montant total de l'aide au poste",
        "Montant prévu modulation",
    ],
}
COLONNES_ATTENDUES["ACI"] = COLONNES_ATTENDUES["AI"]
# Par défaut, le tableau des ETTI est coupé comme celui des EI : ni « no Présage », ni l'état de
# paiement de l'aide au poste (le « Reste à payer » du socle ne côtoie pas le montant modulé).
COLONNES_ATTENDUES["ETTI"] = COLONNES_ATTENDUES["EI"]


def canonique() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "identifiant": i,
                "siret": s,
                "raison_sociale": r,
                "type": t,
                "departement": d,
                "etp_conventionnes": e,
                "montant_socle": m,
                "dont_cofinancement_cd": c,
                "commune": "Nancy",
                "milieu_penitentiaire": "non",
            }
            for i, s, r, t, d, e, m, c in STRUCTURES
        ]
    )


def export(tmp_path: Path, mesure: str) -> Path:
    if mesure == "ETTI":
        return ecrire_export_csv(canonique(), mesure, 2026, tmp_path / "ETTI.csv")
    return ecrire_export_xlsx(canonique(), mesure, 2026, tmp_path / f"{mesure}.xlsx")


def export_modifie(tmp_path: Path, mesure: str, modifier) -> Path:
    """Export CSV dont on change des cellules : modifier(entetes, lignes) travaille en place."""
    entetes = [c.entete for c in disposition_de_la_mesure(mesure).colonnes]
    lignes = [
        [str(v).replace(".", ",") for v in ligne]
        for ligne in lignes_export(canonique(), mesure, 2026)
    ]
    modifier(entetes, lignes)
    chemin = tmp_path / f"{mesure}_modifie.csv"
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        csv.writer(fichier, delimiter=";").writerows([["Export de données"], entetes, *lignes])
    return chemin


# Termes des trois indicateurs (minima / salariés, ETP d'encadrement / en insertion, sorties
# dynamiques / totales) : trois niveaux par critère, pour des rangs connus dans le groupe.
NIVEAUX = {
    "publics": {"bas": ("2", "10"), "moyen": ("5", "10"), "haut": ("8", "10")},
    "effort": {"bas": ("1", "8"), "moyen": ("2", "8"), "haut": ("3", "8")},
    "resultats": {"bas": ("2", "10"), "moyen": ("5", "10"), "haut": ("8", "10")},
}


def resultats_csv(
    tmp_path: Path,
    niveaux: dict[str, tuple[str, str, str]],
    *,
    socles: dict[str, str] | None = None,
    enveloppes: dict[str, str] | None = None,
) -> Path:
    """Grand livre d'un vrai calcul 2026 des structures de `niveaux` (publics, effort,
    résultats : « bas », « moyen » ou « haut ») ; montant socle = base de l'export, sauf
    `socles`."""
    structures = []
    for i, s, r, t, d, e, m, c in STRUCTURES:
        if i not in niveaux:
            continue
        publics, effort, resultats = (
            NIVEAUX[critere][niveau] for critere, niveau in zip(NIVEAUX, niveaux[i], strict=True)
        )
        structures.append(
            {
                "identifiant": i,
                "siret": s,
                "raison_sociale": r,
                "type": t,
                "departement": d,
                "etp_conventionnes": e,
                "montant_socle": (socles or {}).get(i, m),
                "dont_cofinancement_cd": c,
                "commune": "Nancy",
                "nb_beneficiaires_minima": publics[0],
                "nb_salaries_insertion": publics[1],
                "etp_encadrement": effort[0],
                "etp_insertion": effort[1],
                "sorties_emploi_durable": resultats[0],
                "sorties_emploi_transition": "0",
                "sorties_positives": "0",
                "sorties_totales": resultats[1],
            }
        )
    return grand_livre_calcule(tmp_path / "calcul", structures, enveloppes=enveloppes)


def executer(tmp_path: Path, chemin: Path, mesure: str, **options):
    options.setdefault("taux_forfaitaire", None if "resultats" in options else CINQ)
    return executer_annexe5(
        chemin, mesure, 2026, tmp_path / "sortie", signature=SIGNATURE, pdf=False, **options
    )


def feuille(chemin: Path) -> list[list[object]]:
    classeur = openpyxl.load_workbook(chemin)
    return [list(r) for r in classeur["Tableau"].iter_rows(values_only=True)]


@pytest.mark.parametrize("mesure", ["EI", "ETTI", "AI", "ACI"])
def test_colonnes_de_sortie_et_leur_ordre_selon_la_note(tmp_path, mesure):
    rapport = executer(tmp_path, export(tmp_path, mesure), mesure)
    assert rapport.code_sortie == 0, rapport.erreur
    lignes = feuille(tmp_path / "sortie" / f"annexe5_2026_54_{mesure}.xlsx")
    assert lignes[3] == COLONNES_ATTENDUES[mesure]
    assert lignes[-1][0] == "Total"
    donnees = lignes[4:-1]
    assert all(ligne[0] == "54" for ligne in donnees)
    assert lignes[-1][-1] == pytest.approx(sum(ligne[-1] for ligne in donnees))


def test_etti_colonnes_litterales_de_la_note_sur_demande(tmp_path):
    rapport = executer(tmp_path, export(tmp_path, "ETTI"), "ETTI", colonnes_de_la_note=True)
    assert rapport.code_sortie == 0, rapport.erreur
    lignes = feuille(tmp_path / "sortie" / "annexe5_2026_54_ETTI.xlsx")
    assert lignes[3] == COLONNES_ATTENDUES["ETTI (note)"]
    manifeste = json.loads((tmp_path / "sortie" / "manifeste.json").read_text("utf-8"))
    assert manifeste["options"]["colonnes_de_la_note"] is True


def test_filtre_departemental_autres_departements_comptes(tmp_path):
    rapport = executer(tmp_path, export(tmp_path, "EI"), "EI", departements=["054"])
    assert rapport.code_sortie == 0, rapport.erreur
    assert list(rapport.totaux) == ["54"]
    assert rapport.exclues == {"57": 1}
    noms = sorted(p.name for p in (tmp_path / "sortie").iterdir())
    assert noms == [
        "annexe5_2026_54_EI.xlsx",
        "decision_asp_2026_54_EI.docx",
        "manifeste.json",
        "synthese.xlsx",
    ]
    assert "Lignes d'autres départements écartées par le filtre : 1 (57 : 1)." in rapport.resume()
    synthese = openpyxl.load_workbook(tmp_path / "sortie" / "synthese.xlsx")
    ecarts = list(synthese["Lignes écartées"].iter_rows(values_only=True))
    assert ecarts == [("Motif", "Nombre de lignes"), ("autre département (57)", 1)]


def test_taux_forfaitaire_montant_au_centime_moitie_vers_le_haut(tmp_path):
    rapport = executer(tmp_path, export(tmp_path, "EI"), "EI", departements=["54"])
    lignes = feuille(tmp_path / "sortie" / "annexe5_2026_54_EI.xlsx")[4:-1]
    montants = {ligne[2]: Decimal(str(ligne[-1])) for ligne in lignes}
    # 41 363,88 × 5 % = 2 068,194 ; 100,50 × 5 % = 5,025 -> 5,03 (et non 5,02)
    assert montants == {
        "Lorraine Espaces Verts": Decimal("2068.19"),
        "Nancy Bâtiment Insertion": Decimal("5.03"),
    }
    assert rapport.totaux["54"].montant_module == Decimal("2073.22")
    assert rapport.totaux["54"].base == Decimal("41464.38")
    assert rapport.totaux["54"].nb_structures == 2


def test_forfait_hors_2014_accepte_mais_signale(tmp_path):
    rapport = executer(tmp_path, export(tmp_path, "EI"), "EI", departements=["54"])
    assert rapport.code_sortie == 0
    assert any("ne le prévoit que pour 2014" in remarque for remarque in rapport.anomalies)


def test_taux_individuels_joints_sur_le_numero_d_annexe(tmp_path):
    # groupe ACI Grand Est de 3 : rangs 2/3 partout (scores 0,5 : 5 %) ; 1/3 en publics et 3/3
    # ailleurs (10 % × (0,40 + 0,25) = 6,5 %) ; 3/3 en publics seulement (10 % × 0,35 = 3,5 %)
    niveaux = {
        "ACI054240010": ("moyen", "moyen", "moyen"),
        "ACI054250026": ("bas", "haut", "haut"),
        "ACI067230035": ("haut", "bas", "bas"),
    }
    rapport = executer(
        tmp_path, export(tmp_path, "ACI"), "ACI", resultats=resultats_csv(tmp_path, niveaux)
    )
    assert rapport.code_sortie == 0, rapport.erreur
    # 184 430,91 × 5 % = 9 221,5455 ; 215 289 × 6,5 % = 13 993,785 ; 200 936,40 × 3,5 % =
    # 7 032,774
    assert rapport.totaux["54"].montant_module == Decimal("9221.55") + Decimal("13993.79")
    assert rapport.totaux["67"].montant_module == Decimal("7032.77")
    controle = openpyxl.load_workbook(tmp_path / "sortie" / "annexe5_2026_67_ACI.xlsx")
    lignes = list(controle["Contrôle"].iter_rows(values_only=True))
    ligne = dict(zip(lignes[0], lignes[1], strict=True))
    assert ligne["Structure (ligne de l'export)"].startswith("Chantier Rhin — ACI067230035A0M0")
    assert ligne["Identifiant (grand livre)"] == "ACI067230035"
    assert ligne["Taux calculé"] == pytest.approx(0.035)
    assert ligne["Montant net versé"] == pytest.approx(7032.77)


def test_ei_colonnes_reordonnees_le_montant_de_l_etat_reste(tmp_path):
    def deplacer(entetes, lignes):
        for ligne in [entetes, *lignes]:
            ligne.append(ligne.pop(8))  # « Montant prévu de l'aide de l'Etat = AE » à la fin

    rapport = executer(tmp_path, export_modifie(tmp_path, "EI", deplacer), "EI")
    assert rapport.code_sortie == 0, rapport.erreur
    lignes = feuille(tmp_path / "sortie" / "annexe5_2026_57_EI.xlsx")
    assert lignes[3][-2:] == ["Montant prévu de l'aide de l'Etat = AE", "Montant modulé prévu"]
    assert lignes[4][-2:] == [38872.08, 1943.60]


def test_jointure_sur_le_siret_quand_l_export_n_a_pas_de_numero_d_annexe(tmp_path):
    def sans_annexe(entetes, lignes):
        position = entetes.index("N° annexe financière")
        for ligne in [entetes, *lignes]:
            del ligne[position]

    chemin = export_modifie(tmp_path, "AI", sans_annexe)
    # groupe AI de 2 : première en publics et en effort, 10 % × (0,35 + 0,40) = 7,5 %
    niveaux = {"AI054240020": ("bas", "bas", "haut"), "AI067240016": ("haut", "haut", "bas")}
    rapport = executer(tmp_path, chemin, "AI", resultats=resultats_csv(tmp_path, niveaux))
    assert rapport.code_sortie == 0, rapport.erreur
    assert rapport.totaux["67"].montant_module == Decimal("4075.02")  # 54 333,64 × 7,5 %
    assert rapport.totaux["54"].montant_module == Decimal("1169.73")  # 46 789,10 × 2,5 %


MOYENNES = ("moyen", "moyen", "moyen")
EI = ("EI054240006", "EI054250018", "EI057230010")


def test_montant_reduit_par_l_enveloppe_repris_du_grand_livre(tmp_path):
    # trois EI ex-æquo partout : 5 % chacune, 2 068,19 + 5,03 + 1 943,60 = 4 016,82 € avant
    # enveloppe ; l'enveloppe Grand Est de 4 000 € réduit chacune × 4 000 / 4 016,82, au
    # centime inférieur : 2 059,52 (2 059,5296…), 5,00 (5,0089…), 1 935,46 (1 935,4662…)
    resultats = resultats_csv(
        tmp_path, dict.fromkeys(EI, MOYENNES), enveloppes={"Grand Est": "4000,00"}
    )
    rapport = executer(tmp_path, export(tmp_path, "EI"), "EI", resultats=resultats)
    assert rapport.code_sortie == 0, rapport.erreur
    assert rapport.totaux["54"].montant_module == Decimal("2059.52") + Decimal("5.00")
    assert rapport.totaux["57"].montant_module == Decimal("1935.46")
    lignes = list(
        openpyxl.load_workbook(tmp_path / "sortie" / "annexe5_2026_54_EI.xlsx")[
            "Contrôle"
        ].iter_rows(values_only=True)
    )
    reduite = dict(zip(lignes[0], lignes[1], strict=True))
    assert reduite["Montant avant enveloppe (socle × taux calculé)"] == pytest.approx(2068.19)
    assert reduite["Montant modulé"] == pytest.approx(2059.52)
    # 2 059,52 / 41 363,88 = 0,04979…
    assert reduite["Taux effectif après enveloppe (modulé ÷ socle)"] == pytest.approx(0.0498)


def test_socle_du_grand_livre_different_de_la_base_refuse(tmp_path):
    """Avant : montant = taux × base de l'export, donc la décision payait un autre montant que
    celui de la lettre (calculé sur le socle du grand livre)."""
    resultats = resultats_csv(
        tmp_path, dict.fromkeys(EI, MOYENNES), socles={"EI057230010": "40000,00"}
    )
    rapport = executer(tmp_path, export(tmp_path, "EI"), "EI", resultats=resultats)
    assert rapport.code_sortie == 2
    assert "Moselle Recyclage — EI057230010A0M0" in rapport.erreur
    # la cellule de l'export (ligne 7 : en-tête en ligne 4, Moselle Recyclage en 3e) et celle
    # du grand livre (ligne 4 : EI057230010 est la 3e structure)
    assert (
        "EI.xlsx, feuille « Export », ligne 7, colonne « Montant prévu de l'aide de l'Etat = AE » "
        f": base de l'export {montant_fr(Decimal('38872.08'))}, mais resultats.csv, ligne 4, "
        f"colonne « montant_socle » : {montant_fr(Decimal('40000'))}"
    ) in rapport.erreur
    assert not (tmp_path / "sortie").exists()


def test_structure_sans_taux_refusee_par_son_nom(tmp_path):
    niveaux = {"AI054240020": MOYENNES}
    rapport = executer(
        tmp_path, export(tmp_path, "AI"), "AI", resultats=resultats_csv(tmp_path, niveaux)
    )
    assert rapport.code_sortie == 2
    assert "1 structure(s) sans montant" in rapport.erreur
    assert "Services Plus Alsace — AI067240016A0M0" in rapport.erreur
    assert "n° d'annexe AI067240016A0M0 absent de resultats.csv" in rapport.erreur
    assert not (tmp_path / "sortie").exists()


def test_aci_cofinancement_vide_refuse_zero_accepte(tmp_path):
    def vider(entetes, lignes):
        position = entetes.index("Dont cofinancé par le conseil général")
        lignes[1][position] = ""  # Jardins de Lorraine (valait 0)
        lignes[2][position] = "0"

    rapport = executer(tmp_path, export_modifie(tmp_path, "ACI", vider), "ACI")
    assert rapport.code_sortie == 2
    assert (
        "Colonne « Dont cofinancé par le conseil général » vide pour 1 ligne(s)" in rapport.erreur
    )
    assert "Jardins de Lorraine — ACI054250026A0M0 — 75183801200076 (ligne 4)" in rapport.erreur
    assert "Chantier Rhin" not in rapport.erreur
    assert not (tmp_path / "sortie").exists()


def test_departement_et_montant_illisibles_signales_ensemble(tmp_path):
    def abimer(entetes, lignes):
        lignes[0][entetes.index("Département")] = "Atlantide"
        lignes[1][entetes.index("Montant prévu de l'aide de l'Etat = AE")] = "beaucoup"

    rapport = executer(tmp_path, export_modifie(tmp_path, "EI", abimer), "EI")
    assert rapport.code_sortie == 2
    assert "EI_modifie.csv, ligne 3, colonne « Département » : département « Atlantide »" in (
        rapport.erreur
    )
    assert "« beaucoup » n'est pas un montant" in rapport.erreur


def test_texte_commencant_par_egal_ecrit_comme_texte(tmp_path):
    def piege(entetes, lignes):
        entetes[-1] = "=SOMME(A1:A2)"  # colonne gardée avec les colonnes de la note
        lignes[0][entetes.index("Raison sociale")] = '=HYPERLINK("http://x";"clic")'

    chemin = export_modifie(tmp_path, "ETTI", piege)
    rapport = executer(tmp_path, chemin, "ETTI", colonnes_de_la_note=True)
    assert rapport.code_sortie == 0, rapport.erreur
    tableau = openpyxl.load_workbook(tmp_path / "sortie" / "annexe5_2026_54_ETTI.xlsx")["Tableau"]
    assert (tableau["M4"].value, tableau["M4"].data_type) == ("=SOMME(A1:A2)", "s")
    assert (tableau["D5"].value, tableau["D5"].data_type) == ('=HYPERLINK("http://x";"clic")', "s")


def test_fichier_d_entree_inchange_octet_pour_octet(tmp_path):
    chemin = export(tmp_path, "ACI")
    avant = sha256(chemin), chemin.stat().st_mtime_ns
    assert executer(tmp_path, chemin, "ACI").code_sortie == 0
    assert (sha256(chemin), chemin.stat().st_mtime_ns) == avant


def test_dossier_existant_non_ecrase_sans_option(tmp_path):
    (tmp_path / "sortie").mkdir()
    (tmp_path / "sortie" / "ancien.txt").write_text("garde", encoding="utf-8")
    rapport = executer(tmp_path, export(tmp_path, "EI"), "EI")
    assert rapport.code_sortie == 2
    assert "--ecraser" in rapport.erreur
    assert [p.name for p in (tmp_path / "sortie").iterdir()] == ["ancien.txt"]


def test_commande_code_0_puis_code_2_sans_rien_ecrire(tmp_path, capsys):
    parseur = argparse.ArgumentParser(prog="iae-modulation")
    commande.enregistrer(parseur.add_subparsers())
    chemin = export(tmp_path, "AI")
    debut = ["annexe5", str(chemin), "--annee", "2026", "--taux-forfaitaire", "5", "--sans-pdf"]
    args = parseur.parse_args(
        [
            *debut,
            "--mesure",
            "AI",
            "--sortie",
            str(tmp_path / "ok"),
            "--departement",
            "67",
            "--signataire",
            "Jeanne Martin",
        ]
    )
    assert args.executer(args) == 0
    base, module = montant_fr(Decimal("54333.64")), montant_fr(Decimal("2716.68"))
    assert f"67 Bas-Rhin : 1 structure(s), base {base}, montant modulé {module}" in (
        capsys.readouterr().out
    )
    args = parseur.parse_args([*debut, "--mesure", "EI", "--sortie", str(tmp_path / "refus")])
    assert args.executer(args) == 2
    assert "ce n'est pas un « Tableau de suivi des annexes financières »" in (
        capsys.readouterr().out
    )
    assert not (tmp_path / "refus").exists()
