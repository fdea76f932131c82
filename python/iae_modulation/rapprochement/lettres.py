"""Les lettres de notification (annexe 4) d'un grand livre : pour chaque structure, la lettre la
plus récente, ses montants lus dans ses données intégrées et comparés au grand livre au centime,
son texte et son PDF adressés à la structure du grand livre (SIRET, nom, adresse) et disant ses
montants ; le PDF à imprimer de chaque lot fait des PDF de ses lettres.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from iae_modulation.annexe5 import cle_annexe
from iae_modulation.colonnes import COLONNES_IDENTITE
from iae_modulation.formats import montant_fr
from iae_modulation.rapprochement.contexte import (
    Controle,
    DonneeIllisible,
    montant_integre,
    montant_ou_rien,
)
from iae_modulation.rapprochement.decisions import EN_PROJET, acte_pdf_ou_docx
from iae_modulation.rapprochement.inventaire import TYPE_LETTRE, Acte, Fichier
from iae_modulation.rapprochement.pieces import (
    verifier_a_imprimer,
    verifier_adresse,
    verifier_pdf,
    verifier_texte_docx,
)
from iae_modulation.rapprochement.resultat import Compte

# Données de la lettre -> (colonne du grand livre, libellé).
MONTANTS_LETTRE = {
    "net": ("montant_net", "montant net"),
    "montant_module": ("montant_module", "montant modulé"),
    "regularisation": ("regularisation", "régularisation"),
}
DESTINATAIRE_IMPRESSION = "Impression : les lettres aux SIAE, en un seul PDF"


def rapprocher_lettres(controle: Controle, lettres: list[Acte], a_imprimer: list[Fichier]) -> None:
    """Chaque structure du grand livre a une lettre, qui dit ses montants et lui est adressée."""
    par_structure: dict[str, Acte] = {}
    en_ecart: set[str] = set()
    for acte in lettres:
        identifiant = cle_annexe(str((acte.donnees or {}).get("identifiant", "")))
        if not controle.lisible(acte, TYPE_LETTRE):
            en_ecart.add(identifiant)
            continue
        if identifiant in par_structure:
            controle.document(
                par_structure[identifiant].docx, "remplacée par une lettre plus récente"
            )
        par_structure[identifiant] = acte
    projets: Counter[Path] = Counter()
    for identifiant, acte in par_structure.items():
        ligne = controle.par_identifiant.get(identifiant)
        if ligne is None:
            controle.ecart("", "", identifiant, "lettre d'une structure absente du grand livre")
            continue
        cle = (ligne["departement"], ligne["type"])
        problemes = _problemes(acte, ligne, controle.textes_pdf)
        if problemes:
            en_ecart.add(identifiant)
            for probleme in problemes:
                controle.ecart(*cle, identifiant, probleme)
            continue
        controle.campagne.lettres.setdefault(cle, Compte()).ajouter(ligne["montant_net"])
        controle.document(acte_pdf_ou_docx(acte), "lu", a_dire=False)
        projets[acte.execution.dossier] += not acte.signe
        controle.envoyer(
            acte_pdf_ou_docx(acte),
            f"SIAE {ligne['identifiant']} – {ligne['raison_sociale']}",
            acte.signe,
            str((acte.donnees or {}).get("reference") or ""),
        )
    for lot, nombre in projets.items():
        if nombre:
            controle.document(lot, f"{nombre} lettre(s) {EN_PROJET}")
    for ligne in controle.livre.lignes:
        if cle_annexe(ligne["identifiant"]) not in set(par_structure) | en_ecart:
            controle.ecart(ligne["departement"], ligne["type"], ligne["identifiant"], "sans lettre")
    _a_imprimer(controle, list(par_structure.values()), lettres, a_imprimer)


def _problemes(acte: Acte, ligne: dict, textes: dict[Path, str]) -> list[str]:
    """Ce qui ne va pas dans la lettre d'une structure : ses données (« lettre : … »), puis son
    texte et son PDF (chaque message nomme le fichier)."""
    donnees = acte.donnees or {}
    try:
        montants = {
            cle: montant_ou_rien(donnees.get(cle), cle)
            if cle == "regularisation"
            else montant_integre(donnees.get(cle), cle)
            for cle in MONTANTS_LETTRE
        }
    except DonneeIllisible as erreur:
        return [f"lettre : données intégrées illisibles : {erreur}"]
    problemes = [
        f"lettre : {libelle} {montant_fr(dit)}, grand livre {montant_fr(attendu)}"
        for cle, (colonne, libelle) in MONTANTS_LETTRE.items()
        if (dit := montants[cle] or Decimal(0)) != (attendu := ligne[colonne] or Decimal(0))
    ]
    autres = [
        f"lettre : {cle} « {donnees.get(cle)} », grand livre « {ligne[colonne]} »"
        for cle, colonne in (("siret", "siret"), ("departement", "departement"), ("mesure", "type"))
        if str(donnees.get(cle, "")) != str(ligne[colonne])
    ]
    if problemes or autres:
        return problemes + autres
    identite = {colonne: ligne[colonne] for colonne in COLONNES_IDENTITE}
    attendues = _attendues(acte, ligne, montants["net"] or Decimal(0))
    return (
        verifier_adresse(acte, identite)
        + verifier_texte_docx(acte, attendues)
        + verifier_pdf(acte, {**identite, **attendues}, textes)
    )


def _attendues(acte: Acte, ligne: dict, net: Decimal) -> dict[str, str]:
    """Ce que la lettre et son PDF doivent dire, en plus de l'adresse : l'identifiant de la
    structure, la référence de la lettre, son montant modulé et le montant versé."""
    attendues = {"identifiant": ligne["identifiant"]}
    attendues["la référence"] = str((acte.donnees or {}).get("reference") or "")
    attendues["le montant modulé"] = montant_fr(ligne["montant_module"])
    if net > 0:
        attendues["le montant versé"] = montant_fr(net)
    return attendues


def _a_imprimer(
    controle: Controle, retenues: list[Acte], lettres: list[Acte], a_imprimer: list[Fichier]
) -> None:
    """Le PDF à imprimer de chaque lot dont une lettre est retenue."""
    lots = {acte.execution.dossier for acte in retenues}
    for fusion in a_imprimer:
        if fusion.execution.dossier not in lots:
            continue
        du_lot = [a for a in lettres if a.execution.dossier == fusion.execution.dossier]
        problemes = verifier_a_imprimer(fusion, du_lot)
        for probleme in problemes:
            controle.ecart("", "", controle.nom(fusion.chemin), f"PDF à imprimer : {probleme}")
        if not problemes:
            controle.document(fusion, "lu : les PDF des lettres du lot, page pour page", False)
        signe = all(a.signe for a in du_lot)
        controle.envoyer(fusion, DESTINATAIRE_IMPRESSION, signe, "")
