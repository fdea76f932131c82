"""Le bordereau d'envoi d'une campagne : `a_envoyer.xlsx` (chaque fichier, son destinataire,
signé ou non, son numéro ou sa référence ; lisible imprimé en A4) et `a_envoyer.txt` (le même,
court). À l'ASP les décisions payables et leurs tableaux annexés ; à chaque SIAE sa lettre ; à
la commission la simulation et sa synthèse ; le reste (grands livres, manifestes, registre,
documents Word des PDF envoyés, actes remplacés) à l'archive. Un envoi non signé fait de tout le
bordereau un PROJET ; un écart au rapprochement y est dit en tête.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from iae_modulation.documents.signature import MENTION_PROJET
from iae_modulation.mise_en_page import Colonne, imprimer, mention_sur_chaque_page, poser_colonnes
from iae_modulation.rapprochement.inventaire import GrandLivreTrouve, Inventaire
from iae_modulation.rapprochement.resultat import Envoi, Rapprochement
from iae_modulation.sorties import NOM_REGISTRE, classeur_remplacable
from iae_modulation.texte_xml import ClasseurXlsx

NOM_BORDEREAU = "a_envoyer.xlsx"
NOM_BORDEREAU_TEXTE = "a_envoyer.txt"
TITRE_BORDEREAU = "Bordereau d'envoi"
PREMIERS_MOTS = f"{TITRE_BORDEREAU} (iae-modulation)"  # reconnaît un bordereau de l'outil
ASP = "ASP"
COMMISSION = "Commission"
ARCHIVE = "Archive"
ORDRE = {ASP: 0, COMMISSION: 3, ARCHIVE: 4}  # les SIAE (1) et l'impression (2) entre les deux
# (en-tête, largeur maximale en chiffres) : une page de large en paysage, au moins 8 pt imprimé
COLONNES = (
    ("Destinataire", 34),
    ("Fichier", 50),
    ("Signé", 9),
    ("N° ou référence", 24),
    ("Remarque", 46),
)


def inventorier_envois(
    rapprochement: Rapprochement, inventaire: Inventaire, livres: list[GrandLivreTrouve]
) -> list[Envoi]:
    """Les envois que le rapprochement a retenus (ASP, SIAE), puis la commission et l'archive :
    chaque fichier du dossier produit par l'outil, une fois."""
    envois = list(rapprochement.envois)
    pris = {e.chemin.resolve() for e in envois}
    actes = {a.docx.chemin.resolve(): a for a in inventaire.actes()}
    actes |= {a.pdf.chemin.resolve(): a for a in inventaire.actes() if a.pdf is not None}
    sans_document = {chemin.resolve() for chemin in rapprochement.sans_document}
    fichiers = [
        *inventaire.autres,
        *inventaire.classeurs_annexe5,
        *inventaire.a_imprimer,
        *(a.docx for a in inventaire.actes()),
        *(a.pdf for a in inventaire.actes() if a.pdf is not None),
    ]
    for fichier in fichiers:
        chemin = fichier.chemin.resolve()
        if chemin in pris or not fichier.chemin.is_file():
            continue
        pris.add(chemin)
        if fichier.execution.commande == "simuler":
            envois.append(Envoi(fichier.chemin, COMMISSION, None, "", "simulation des méthodes"))
            continue
        acte = actes.get(chemin)
        remarque = _remarque(chemin, acte is not None, pris, sans_document)
        signe = acte.signe if acte is not None else None
        reference = (acte.numero or (acte.donnees or {}).get("reference") or "") if acte else ""
        envois.append(Envoi(fichier.chemin, ARCHIVE, signe, str(reference), remarque))
    registres = {livre.chemin.parent.resolve() for livre in livres} | {
        d.resolve() for d in inventaire.registres
    }
    for dossier in sorted(registres):
        if (dossier / NOM_REGISTRE).is_file():
            envois.append(Envoi(dossier / NOM_REGISTRE, ARCHIVE, None, "", "registre des actes"))
    return sorted(
        envois,
        key=lambda e: (
            _rang(e.destinataire),
            e.destinataire,
            e.reference,
            str(e.joint_a or e.chemin),
            e.joint_a is not None,
        ),
    )


def _remarque(chemin: Path, acte: bool, pris: set[Path], sans_document: set[Path]) -> str:
    if chemin in sans_document:
        return "grand livre sans décision ni lettre (simulation ou méthode non retenue)"
    if not acte:
        return ""
    if chemin.suffix == ".docx" and chemin.with_suffix(".pdf") in pris:
        return "document Word du PDF envoyé"
    return "non envoyé (voir la feuille « Documents » du rapprochement)"


def _rang(destinataire: str) -> int:
    if destinataire in ORDRE:
        return ORDRE[destinataire]
    return 1 if destinataire.startswith("SIAE ") else 2


def projet(rapprochement: Rapprochement) -> bool:
    """Vrai si un fichier à envoyer (ASP, SIAE) n'est pas signé."""
    return any(e.signe is False for e in rapprochement.envois if e.destinataire != ARCHIVE)


def _signe(envoi: Envoi) -> str:
    return {True: "oui", False: "NON (projet)", None: "—"}[envoi.signe]


def _avertissements(rapprochement: Rapprochement) -> list[str]:
    """Ce que dit la tête du bordereau : projet non signé, écarts au rapprochement."""
    lignes = []
    if projet(rapprochement):
        lignes.append(f"{MENTION_PROJET} : ne rien envoyer avant la signature des documents.")
    if rapprochement.ecarts:
        lignes.append(
            f"ATTENTION : {len(rapprochement.ecarts)} écart(s) au rapprochement (voir "
            "rapprochement.xlsx) : ne rien envoyer avant de les avoir levés."
        )
    return lignes


def bordereau_remplacable(dossier: Path) -> bool:
    """Vrai si `a_envoyer.xlsx` et `a_envoyer.txt` n'existent pas ou sont de l'outil."""
    texte = Path(dossier) / NOM_BORDEREAU_TEXTE
    if texte.exists():
        try:
            with open(texte, encoding="utf-8") as fichier:
                if not fichier.readline().startswith(PREMIERS_MOTS):
                    return False
        except (OSError, UnicodeDecodeError):
            return False
    return classeur_remplacable(Path(dossier) / NOM_BORDEREAU, TITRE_BORDEREAU)


def ecrire_bordereau(rapprochement: Rapprochement, dossier: Path) -> list[Path]:
    """Écrit `a_envoyer.xlsx` et `a_envoyer.txt` dans `dossier` (sous un nom temporaire puis
    renommés) ; renvoie leurs chemins."""
    dossier = Path(dossier)
    chemins = [dossier / NOM_BORDEREAU, dossier / NOM_BORDEREAU_TEXTE]
    temporaires = [c.with_name(f".{c.name}.{os.getpid()}.tmp") for c in chemins]
    _ecrire_classeur(rapprochement, temporaires[0])
    temporaires[1].write_text(texte_bordereau(rapprochement), encoding="utf-8")
    for temporaire, chemin in zip(temporaires, chemins, strict=True):
        os.replace(temporaire, chemin)
    rapprochement.bordereau = chemins
    return chemins


def _titre(rapprochement: Rapprochement) -> str:
    return (
        f"{PREMIERS_MOTS} — campagne {rapprochement.annee} — {rapprochement.dossier} — "
        f"{dt.date.today():%d/%m/%Y}"
    )


def texte_bordereau(rapprochement: Rapprochement) -> str:
    """Le bordereau en quelques lignes : chaque décision pour l'ASP, le nombre de lettres aux
    SIAE et le PDF à imprimer, la commission, le nombre de fichiers à archiver."""
    lignes = [_titre(rapprochement), *_avertissements(rapprochement), ""]
    envois = rapprochement.envois
    decisions = [e for e in envois if e.destinataire == ASP and e.joint_a is None]
    tableaux = {e.joint_a: e for e in envois if e.destinataire == ASP and e.joint_a is not None}
    lignes.append(
        f"À l'ASP (Agence de services et de paiement) : {len(decisions)} décision(s) et leurs "
        "tableaux annexés"
    )
    for decision in decisions:
        tableau = tableaux.get(decision.chemin)
        joint = f" et son tableau {rapprochement.relatif(tableau.chemin)}" if tableau else ""
        numero = f"n° {decision.reference}" if decision.reference else "(projet)"
        signee = "signée" if decision.signe else "NON SIGNÉE"
        lignes.append(f"  - {numero} : {rapprochement.relatif(decision.chemin)}{joint} · {signee}")
    siae = [e for e in envois if e.destinataire.startswith("SIAE ")]
    non_signees = sum(1 for e in siae if e.signe is False)
    lignes.append(
        f"À chaque SIAE, sa lettre : {len(siae)} lettre(s)"
        + (f", dont {non_signees} non signée(s)" if non_signees else ", signées")
    )
    lignes += [
        f"  - {rapprochement.relatif(e.chemin)} ({e.destinataire})"
        for e in envois
        if _rang(e.destinataire) == 2
    ]
    commission = [e for e in envois if e.destinataire == COMMISSION]
    if commission:
        lignes.append(f"À la commission : {len(commission)} fichier(s)")
        lignes += [f"  - {rapprochement.relatif(e.chemin)}" for e in commission]
    archive = sum(1 for e in envois if e.destinataire == ARCHIVE)
    lignes.append(
        f"À archiver (grands livres, manifestes, registre, documents Word) : {archive} fichier(s)"
    )
    lignes.append(f"Liste complète, fichier par fichier : {NOM_BORDEREAU}")
    return "\n".join(lignes) + "\n"


def _ecrire_classeur(rapprochement: Rapprochement, chemin: Path) -> None:
    """Une feuille « À envoyer », une ligne par fichier, prête à imprimer (A4 paysage, une
    page de large, au moins 8 pt) ; « PROJET — non signé » sur chaque page d'un projet."""
    lignes = [
        (
            e.destinataire,
            rapprochement.relatif(e.chemin),
            _signe(e),
            e.reference,
            e.remarque,
        )
        for e in rapprochement.envois
    ]
    mention = MENTION_PROJET if projet(rapprochement) else ""
    with mention_sur_chaque_page(mention), ClasseurXlsx(str(chemin)) as classeur:
        classeur.set_properties({"title": TITRE_BORDEREAU, "author": "iae-modulation"})
        gras = classeur.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        bandeau = classeur.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        alerte = classeur.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "font_color": "#C00000"}
        )
        retour = classeur.add_format({"text_wrap": True, "valign": "top"})
        feuille = classeur.add_worksheet("À envoyer")
        colonnes = [
            Colonne(entete, [ligne[j] for ligne in lignes], maximum=maximum)
            for j, (entete, maximum) in enumerate(COLONNES)
        ]
        tete = [(_titre(rapprochement), bandeau)] + [
            (texte, alerte) for texte in _avertissements(rapprochement)
        ]
        entete = len(tete) + 1
        largeurs = poser_colonnes(feuille, colonnes, entete, dict.fromkeys(range(5), retour))
        for rang, (texte, format_) in enumerate(tete):
            feuille.merge_range(rang, 0, rang, len(COLONNES) - 1, texte, format_)
            feuille.set_row(rang, 30)
        feuille.write_row(entete, 0, [e for e, _ in COLONNES], gras)
        for rang, ligne in enumerate(lignes, start=entete + 1):
            feuille.write_row(rang, 0, ligne)
        if not lignes:
            feuille.write_string(entete + 1, 0, "Aucun fichier.")
        feuille.freeze_panes(entete + 1, 0)
        feuille.autofilter(entete, 0, entete + max(len(lignes), 1), len(COLONNES) - 1)
        imprimer(
            feuille,
            largeurs,
            titre=TITRE_BORDEREAU,
            campagne=rapprochement.annee,
            lignes_repetees=(entete, entete),
        )
