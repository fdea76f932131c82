"""Cas de règle écrits à la main depuis les formules de docs/conception.md (« Méthode par
défaut ») et les textes (tests/cas/*.yaml).

Chaque cas passe par la chaîne d'un agent : le calcul écrit le grand livre, relu et vérifié ;
avec `asp`, l'annexe 5 produit les tableaux des décisions de paiement depuis des exports fabriqués
à partir des mêmes structures ; avec `lettre`, la lettre de notification est écrite et son texte lu.

Clés d'un cas : `nom`, `annee`, `methode` (notation de la méthode par défaut) ou
`methode_fichier` (le texte d'un fichier de méthode, docs/methode.md), `structures` (ou
`demo: true` : les données et l'enveloppe de la démonstration), et au choix
`enveloppes`, `versements_2014`, `parametres` (dossier de paramètres de l'agent : nom de fichier
-> texte YAML) ;
puis `attendu` (colonnes du grand livre par structure) ou `refus` (extrait du message de refus) ;
`resume` et `resume_sans` (extraits présents ou absents du résumé du calcul) ; `asp` (colonnes
ajoutées au tableau de l'annexe 5, par structure) ; `decision` (« MESURE DEP » -> extraits du
texte de la décision) ; `lettre` et `lettre_sans` (extraits présents ou absents du texte de la
lettre).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from iae_modulation.annexe5 import entetes_ajoutes, executer_annexe5, nom_fichier_tableau
from iae_modulation.campagne import executer_calcul
from iae_modulation.demonstration import dossier_demo
from iae_modulation.documents.calcul_lettre import Campagne
from iae_modulation.documents.decision_asp import nom_fichier_decision
from iae_modulation.documents.mots_dates import mots_de_la_campagne
from iae_modulation.documents.notifications import (
    MODELE_NOTIFICATION,
    ContexteLettres,
    valeurs_notification,
)
from iae_modulation.documents.publipostage import ModeleCompile
from iae_modulation.documents.signature import signature_demo
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.exports.exemples import ecrire_export_xlsx
from iae_modulation.fichier_methode import lire_methode
from iae_modulation.lecture import lire_nombre, lire_table
from iae_modulation.methode import ErreurMethode
from iae_modulation.parametres import surcharge
from iae_modulation.rapprochement import texte_docx
from iae_modulation.resultats import lire_grand_livre

CAS = sorted((Path(__file__).parent / "cas").glob("*.yaml"))
DEMO = dossier_demo()


def ecrire_donnees(structures: list[dict], chemin: Path) -> Path:
    """Écrit les structures d'un cas comme un agent les exporterait d'Excel (`;`, virgule)."""
    colonnes = list(NOMS_COLONNES)
    colonnes += [c for s in structures for c in s if c not in colonnes]  # critères facultatifs
    colonnes = list(dict.fromkeys(colonnes))
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";")
        ecrivain.writerow(colonnes)
        for structure in structures:
            ecrivain.writerow(str(structure.get(c, "")).replace(".", ",") for c in colonnes)
    return chemin


def _fichiers_du_cas(cas: dict, dossier: Path) -> dict[str, Path | None]:
    """Données, enveloppes et versements 2014 du cas, écrits comme un agent les fournirait."""
    fichiers: dict[str, Path | None] = {
        "donnees": DEMO / "donnees_demo.csv"
        if cas.get("demo")
        else ecrire_donnees(cas["structures"], dossier / "donnees.csv"),
        "enveloppes": DEMO / "enveloppes_demo.csv" if cas.get("demo") else None,
        "versements_2014": None,
        "parametres": None,
    }
    if "enveloppes" in cas:
        fichiers["enveloppes"] = dossier / "enveloppes.csv"
        fichiers["enveloppes"].write_text(
            "region;enveloppe\n"
            + "".join(f"{r};{m.replace('.', ',')}\n" for r, m in cas["enveloppes"].items()),
            encoding="utf-8",
        )
    if "versements_2014" in cas:
        fichiers["versements_2014"] = dossier / "versements.csv"
        fichiers["versements_2014"].write_text(
            "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
            + "".join(
                f"{i};{v['montant']};{v['etp_conventionnes']};{v['etp_realises']}\n".replace(
                    ".", ","
                )
                for i, v in cas["versements_2014"].items()
            ),
            encoding="utf-8",
        )
    if "methode_fichier" in cas:
        fichiers["methode"] = dossier / "methode.yaml"
        fichiers["methode"].write_text(cas["methode_fichier"], encoding="utf-8")
    if "parametres" in cas:
        fichiers["parametres"] = dossier / "parametres_agent"
        fichiers["parametres"].mkdir()
        for nom, texte in cas["parametres"].items():
            (fichiers["parametres"] / nom).write_text(texte, encoding="utf-8")
    return fichiers


def _valeur(texte: object) -> Decimal | str | None:
    if texte is None:
        return None
    try:
        return Decimal(str(texte))
    except ArithmeticError:
        return str(texte)


def _sans_insecables(texte: str) -> str:
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("chemin", CAS, ids=[c.stem for c in CAS])
def test_cas_de_regle(chemin: Path, tmp_path: Path) -> None:
    cas = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    fichiers = _fichiers_du_cas(cas, tmp_path)
    try:
        methode = lire_methode(fichiers["methode"]) if "methode" in fichiers else cas["methode"]
    except ErreurMethode as erreur:
        assert cas["refus"] in _sans_insecables(str(erreur)), str(erreur)
        return
    rapport = executer_calcul(
        fichiers["donnees"],
        cas["annee"],
        tmp_path / "calcul",
        methode=methode,
        enveloppes=fichiers["enveloppes"],
        versements_2014=fichiers["versements_2014"],
        dossier_parametres=fichiers["parametres"],
    )
    if "refus" in cas:
        assert rapport.code_sortie == 2
        assert cas["refus"] in _sans_insecables(rapport.resume()), rapport.resume()
        assert not (tmp_path / "calcul" / "resultats.csv").exists()
        return
    assert rapport.code_sortie == 0, rapport.resume()
    resume = _sans_insecables(rapport.resume())
    for extrait in cas.get("resume", []):
        assert extrait in resume, (extrait, resume)
    for extrait in cas.get("resume_sans", []):
        assert extrait not in resume, (extrait, resume)
    manifeste = json.loads((tmp_path / "calcul" / "manifeste.json").read_text("utf-8"))
    assert manifeste.get("alertes", []) == rapport.calcul.avertissements
    if fichiers["parametres"] is not None:
        assert [f["fichier"] for f in manifeste["surcharge_parametres"]["fichiers"]] == sorted(
            cas["parametres"]
        )
    resultats = tmp_path / "calcul" / "resultats.csv"
    with surcharge(fichiers["parametres"]):  # relu avec les paramètres du calcul
        livre = {ligne["identifiant"]: ligne for ligne in lire_grand_livre(resultats).lignes}
    assert sorted(livre) == sorted(cas["attendu"])
    for identifiant, attendu in cas["attendu"].items():
        for colonne, valeur in attendu.items():
            assert livre[identifiant][colonne] == _valeur(valeur), (identifiant, colonne)
    for identifiant, extraits in cas.get("anomalies", {}).items():
        for extrait in extraits:
            anomalies = _sans_insecables(livre[identifiant]["anomalies"])
            assert extrait in anomalies, (identifiant, extrait)
    with surcharge(fichiers["parametres"]):
        if "asp" in cas or "decision" in cas:
            _verifier_annexe5(cas, livre, resultats, tmp_path)
        for identifiant, extraits in cas.get("lettre", {}).items():
            texte = _texte_lettre(livre, identifiant, tmp_path)
            for extrait in extraits:
                assert extrait in texte, (identifiant, extrait, texte)
            for extrait in cas.get("lettre_sans", {}).get(identifiant, []):
                assert extrait not in texte, (identifiant, extrait)


def _verifier_annexe5(cas: dict, livre: dict, resultats: Path, dossier: Path) -> None:
    """Exports de l'extranet fabriqués depuis les structures (base = montant socle du grand
    livre), annexe 5 de chaque mesure, puis les colonnes ajoutées au tableau de l'ASP."""
    structures = pd.DataFrame(
        [
            {
                **{c: str(s.get(c, "")) for c in NOMS_COLONNES},
                "siret": f"{12345678900000 + n:014d}",
                "raison_sociale": f"Structure {s['identifiant']}",
                "commune": "Nancy",
                "etp_conventionnes": str(s.get("etp_conventionnes", "1")),
                "dont_cofinancement_cd": "0",
                "montant_socle": str(livre[s["identifiant"]]["montant_socle"]),
            }
            for n, s in enumerate(cas["structures"])
        ]
    )
    lignes_asp = {}
    for mesure in sorted(set(structures["type"])):
        export = ecrire_export_xlsx(structures, mesure, cas["annee"], dossier / f"{mesure}.xlsx")
        sortie = dossier / f"asp_{mesure}"
        rapport = executer_annexe5(
            export,
            mesure,
            cas["annee"],
            sortie,
            resultats=resultats,
            signature=signature_demo(),
            pdf=False,
        )
        assert rapport.code_sortie == 0, rapport.resume()
        for departement in rapport.totaux:
            lignes_asp |= _lignes_du_tableau(
                sortie / nom_fichier_tableau(cas["annee"], mesure, departement)
            )
            texte = _sans_insecables(
                texte_docx(sortie / nom_fichier_decision(cas["annee"], mesure, departement))
            )
            for extrait in cas.get("decision", {}).get(f"{mesure} {departement}", []):
                assert extrait in texte, (mesure, departement, extrait, texte)
            for extrait in cas.get("decision_sans", {}).get(f"{mesure} {departement}", []):
                assert extrait not in texte, (mesure, departement, extrait)
    for identifiant, attendu in cas.get("asp", {}).items():
        ligne = lignes_asp[identifiant]
        assert sorted(attendu) == sorted(ligne), identifiant
        for entete, montant in attendu.items():
            assert ligne[entete] == Decimal(montant), (identifiant, entete)


def _lignes_du_tableau(chemin: Path) -> dict[str, dict[str, Decimal]]:
    """Identifiant (feuille « Contrôle ») -> colonnes ajoutées par l'annexe 5 (feuille
    « Tableau »), lues dans le classeur tel qu'un agent l'ouvrirait."""
    brute = lire_table(chemin, "Tableau").table
    rangees = [list(brute.columns), *brute.itertuples(index=False, name=None)]
    mesure = chemin.stem.split("_")[-1]  # annexe5_<ANNÉE>_<DEP>_<MESURE>
    for avec_regularisation in (True, False):
        ajoutes = entetes_ajoutes(mesure, avec_regularisation)
        entete = next((r for r in rangees if ajoutes[-1] in r and ajoutes[0] in r), None)
        if entete is not None:
            break
    debut = rangees.index(entete) + 1
    fin = next(i for i in range(debut, len(rangees)) if rangees[i][0] == "Total")
    identifiants = list(lire_table(chemin, "Contrôle").table["Identifiant (grand livre)"])
    assert len(identifiants) == fin - debut
    return {
        identifiant: {e: lire_nombre(rangee[entete.index(e)]) for e in ajoutes}
        for identifiant, rangee in zip(identifiants, rangees[debut:fin], strict=True)
    }


def _texte_lettre(livre: dict, identifiant: str, dossier: Path) -> str:
    """La lettre d'une structure, avec ce que toutes les lettres de la campagne lisent dans le
    grand livre (l'enveloppe de sa région, ce qui y est pris d'abord)."""
    lignes = list(livre.values())
    annee = int(lignes[0]["annee"])
    contexte = ContexteLettres(
        mots_de_la_campagne(annee, signature_demo().date), Campagne.du_grand_livre(lignes)
    )
    valeurs = valeurs_notification(livre[identifiant], signature_demo(), contexte)
    chemin = ModeleCompile(MODELE_NOTIFICATION).ecrire(valeurs, dossier / "lettre.docx")
    return _sans_insecables(texte_docx(chemin))
