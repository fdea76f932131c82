"""Les décisions de paiement (annexe 5) d'un grand livre : pour chaque département et mesure, la
décision payable (signée et en vigueur au registre, sinon le projet le plus récent), ses lignes
lues dans ses données intégrées et comparées au grand livre au centime, son texte et son PDF
(numéro, total, chaque structure et son montant), son tableau annexé.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from iae_modulation.annexe5 import cle_annexe
from iae_modulation.documents.signature import MENTION_PROJET
from iae_modulation.formats import montant_fr
from iae_modulation.rapprochement.actes import Registre
from iae_modulation.rapprochement.bordereau import ASP
from iae_modulation.rapprochement.contexte import Controle, DonneeIllisible, montant_integre
from iae_modulation.rapprochement.inventaire import TYPE_DECISION, Acte, Fichier
from iae_modulation.rapprochement.pieces import verifier_pdf, verifier_texte_docx
from iae_modulation.rapprochement.resultat import Compte
from iae_modulation.rapprochement.tableaux import Tableaux

EN_PROJET = f"lu, {MENTION_PROJET} : à signer avant tout envoi"


def rapprocher_decisions(
    controle: Controle, decisions: list[Acte], registre: Registre, tableaux: Tableaux
) -> None:
    """Chaque décision payable rapprochée du grand livre ; chaque structure du grand livre
    dans une seule décision payable."""
    par_cle: dict[tuple[str, str], list[Acte]] = defaultdict(list)
    for acte in decisions:
        if controle.lisible(acte, TYPE_DECISION):
            donnees = acte.donnees or {}
            par_cle[(str(donnees.get("departement")), str(donnees.get("mesure")))].append(acte)
    vus: dict[str, str] = {}
    for cle in sorted(par_cle):
        retenue = _payable(controle, par_cle[cle], registre)
        if retenue is not None:
            _rapprocher(controle, cle, retenue, vus, tableaux)
    for ligne in controle.livre.lignes:
        if cle_annexe(ligne["identifiant"]) not in vus:
            controle.ecart(
                ligne["departement"],
                ligne["type"],
                ligne["identifiant"],
                f"absente des décisions ASP (net {montant_fr(ligne['montant_net'])})",
            )


def _payable(controle: Controle, actes: list[Acte], registre: Registre) -> Acte | None:
    """La décision qui paie : la plus récente des signées en vigueur (deux signées en vigueur :
    écart signalé par le registre), sinon le projet le plus récent ; les autres sont dites."""
    vivantes = [a for a in actes if a.signe and registre.payable(a)]
    for acte in actes:
        if acte.signe and acte not in vivantes:
            controle.document(acte.docx, registre.pourquoi_non_payable(acte))
    projets = [a for a in actes if not a.signe]
    if vivantes:
        retenue = vivantes[-1]
        for acte in vivantes[:-1]:
            controle.document(
                acte.docx,
                f"décision n° {acte.numero} non rapprochée : la décision n° {retenue.numero} "
                "est aussi en vigueur (voir les écarts)",
            )
        for acte in projets:
            controle.document(
                acte.docx, f"projet supplanté par la décision signée n° {retenue.numero}"
            )
        controle.document(
            acte_pdf_ou_docx(retenue), f"lu, décision n° {retenue.numero}", a_dire=False
        )
        return retenue
    if not projets:
        return None
    for acte in projets[:-1]:
        controle.document(acte.docx, "projet remplacé par un projet plus récent")
    controle.document(acte_pdf_ou_docx(projets[-1]), EN_PROJET)
    return projets[-1]


def acte_pdf_ou_docx(acte: Acte) -> Fichier:
    """Ce qui s'envoie d'un acte : son PDF s'il y en a un, sinon le document Word."""
    return acte.pdf or acte.docx


def _rapprocher(
    controle: Controle,
    cle: tuple[str, str],
    acte: Acte,
    vus: dict[str, str],
    tableaux: Tableaux,
) -> None:
    """Les lignes de la décision (données intégrées) face au grand livre, puis son texte, son
    PDF et son tableau annexé ; la décision et son tableau vont à l'ASP."""
    departement, mesure = cle
    nom = controle.nom(acte.docx.chemin)
    try:
        lignes, total = _lignes(acte)
    except DonneeIllisible as erreur:
        controle.ecart(
            departement, mesure, nom, f"décision : données intégrées illisibles : {erreur}"
        )
        return
    compte = controle.campagne.decisions.setdefault(cle, Compte())
    for identifiant, montant in lignes:
        compte.ajouter(montant)
        probleme = _probleme_ligne(controle, cle, identifiant, montant, vus, nom)
        vus.setdefault(identifiant, nom)
        if probleme:
            controle.ecart(departement, mesure, identifiant, probleme)
    if total != sum((m for _, m in lignes), Decimal(0)):
        controle.ecart(
            departement,
            mesure,
            nom,
            f"total des données intégrées {montant_fr(total)} ≠ somme de ses lignes",
        )
    attendues = _attendues(acte, lignes, total)
    for probleme in verifier_texte_docx(acte, attendues) + verifier_pdf(
        acte, attendues, controle.textes_pdf
    ):
        controle.ecart(departement, mesure, nom, probleme)
    tableau = tableaux.annexe(acte, lignes)
    if tableau.probleme:
        controle.ecart(departement, mesure, nom, tableau.probleme)
    reference, envoye = acte.numero or "", acte_pdf_ou_docx(acte)
    controle.envoyer(envoye, ASP, acte.signe, reference)
    if tableau.fichier is not None:
        controle.envoyer(tableau.fichier, ASP, acte.signe, reference, envoye)


def _lignes(acte: Acte) -> tuple[list[tuple[str, Decimal]], Decimal]:
    """(identifiant sans avenant, montant payé) de chaque ligne, et le total ; lève
    `DonneeIllisible`."""
    donnees = acte.donnees or {}
    lignes = donnees.get("lignes")
    if not isinstance(lignes, list):
        raise DonneeIllisible("« lignes » absentes")
    lues = []
    for ligne in lignes:
        if not isinstance(ligne, dict) or not isinstance(ligne.get("identifiant"), str):
            raise DonneeIllisible(f"ligne sans identifiant ({ligne!r})")
        lues.append(
            (cle_annexe(ligne["identifiant"]), montant_integre(ligne.get("montant"), "montant"))
        )
    if donnees.get("nombre_structures") != len(lues):
        raise DonneeIllisible(
            f"« nombre_structures » {donnees.get('nombre_structures')!r} pour {len(lues)} ligne(s)"
        )
    return lues, montant_integre(donnees.get("total"), "total")


def _probleme_ligne(
    controle: Controle,
    cle: tuple[str, str],
    identifiant: str,
    montant: Decimal,
    vus: dict[str, str],
    nom: str,
) -> str:
    ligne = controle.par_identifiant.get(identifiant)
    if identifiant in vus:
        return f"dans deux décisions ({vus[identifiant]} et {nom})"
    if ligne is None:
        return "dans une décision mais absente du grand livre"
    if (ligne["departement"], ligne["type"]) != cle:
        return (
            f"dans la décision {cle[1]} {cle[0]} alors que le grand livre la place "
            f"en {ligne['type']} {ligne['departement']}"
        )
    if ligne["montant_net"] != montant:
        return f"décision {montant_fr(montant)}, grand livre {montant_fr(ligne['montant_net'])}"
    return ""


def _attendues(acte: Acte, lignes: list[tuple[str, Decimal]], total: Decimal) -> dict[str, str]:
    """Ce que le texte de la décision et son PDF doivent dire : numéro, total, chaque structure
    et son montant."""
    attendues = {"le numéro": acte.numero or "", "le total": montant_fr(total)}
    for identifiant, montant in lignes:
        attendues[f"la structure {identifiant}"] = identifiant
        attendues[f"le montant de {identifiant}"] = montant_fr(montant)
    return attendues
