"""Ce qu'un dossier de campagne contient, classé par les manifestes qui l'ont produit : grands
livres (`calculer`), décisions de paiement et tableaux annexés (`annexe5`), lettres et PDF à
imprimer (`notifications`), et tout le reste (archive, commission). Chaque décision et chaque
lettre est liée, par ses données intégrées et son manifeste, au grand livre dont elle est tirée.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from iae_modulation.documents.donnees_integrees import lire_donnees
from iae_modulation.rapprochement.manifestes import Execution, parcourir
from iae_modulation.rapprochement.textes import compact, texte_docx
from iae_modulation.resultats import NOM_RESULTATS
from iae_modulation.sorties import NOM_MANIFESTE, sha256

TYPE_DECISION = "decision_asp"
TYPE_LETTRE = "lettre_notification"
NATURE = {TYPE_DECISION: "décision", TYPE_LETTRE: "lettre"}


@dataclass
class Fichier:
    """Une sortie d'une exécution, nommée comme dans son manifeste."""

    execution: Execution
    nom: str

    @property
    def chemin(self) -> Path:
        return self.execution.dossier / self.nom

    @cached_property
    def probleme(self) -> str:
        """« » si le fichier est tel que son manifeste l'a consigné (calculé une fois)."""
        return self.execution.probleme(self.nom)


@dataclass
class Acte:
    """Une décision de paiement ou une lettre : le .docx, son PDF, ses données intégrées."""

    docx: Fichier
    pdf: Fichier | None = None
    donnees: dict | None = None
    illisible: str = ""  # le .docx n'a pas pu être ouvert

    @property
    def execution(self) -> Execution:
        return self.docx.execution

    @cached_property
    def texte(self) -> str:
        """Le texte compact du document Word (`textes.compact`), lu une fois."""
        return compact(texte_docx(self.docx.chemin))

    @property
    def empreinte_livre(self) -> str | None:
        """Le grand livre dont l'acte est tiré : celui de ses données intégrées, sinon celui
        de son manifeste ; None pour une décision au taux forfaitaire de 2014 (sans grand
        livre)."""
        return (self.donnees or {}).get("grand_livre_sha256") or self.execution.empreinte_resultats

    @property
    def contradiction(self) -> str:
        """« » si données intégrées et manifeste nomment le même grand livre."""
        integre = (self.donnees or {}).get("grand_livre_sha256")
        manifeste = self.execution.empreinte_resultats
        if integre and manifeste and integre != manifeste:
            return (
                f"ses données intégrées le disent tiré du grand livre {integre[:12]}…, son "
                f"manifeste du grand livre {manifeste[:12]}…"
            )
        return ""

    @property
    def numero(self) -> str | None:
        """Le numéro d'une décision signée, ou None (projet, lettre)."""
        donnees = self.donnees or {}
        return None if donnees.get("projet") else donnees.get("numero") or None

    @property
    def signe(self) -> bool:
        donnees = self.donnees or {}
        if donnees.get("type") == TYPE_LETTRE:
            return donnees.get("projet") is False
        return self.numero is not None


@dataclass(frozen=True)
class GrandLivreTrouve:
    """Un grand livre (`resultats.csv` d'un calcul) et son empreinte SHA-256."""

    chemin: Path
    empreinte: str
    execution: Execution | None  # le calcul qui l'a écrit (None : manifeste illisible)
    designe: bool = False  # désigné par --resultats : le seul rapproché


@dataclass
class Inventaire:
    """Le dossier de campagne, classé."""

    dossier: Path
    executions: list[Execution] = field(default_factory=list)
    grands_livres: list[GrandLivreTrouve] = field(default_factory=list)
    decisions: list[Acte] = field(default_factory=list)
    lettres: list[Acte] = field(default_factory=list)
    classeurs_annexe5: list[Fichier] = field(default_factory=list)  # tableaux et synthèses
    a_imprimer: list[Fichier] = field(default_factory=list)  # PDF fusionnés des lettres
    autres: list[Fichier] = field(default_factory=list)
    hors_manifeste: list[Acte] = field(default_factory=list)  # actes d'aucun manifeste
    registres: list[Path] = field(default_factory=list)

    def actes(self) -> list[Acte]:
        return [*self.decisions, *self.lettres]


def inventorier(dossier: Path) -> Inventaire:
    """Parcourt `dossier` et classe chaque sortie de chaque exécution."""
    parcours = parcourir(dossier)
    inventaire = Inventaire(Path(dossier), parcours.executions, registres=parcours.registres)
    produits: set[Path] = set()
    for execution in parcours.executions:
        inventaire.autres.append(Fichier(execution, NOM_MANIFESTE))
        produits |= {(execution.dossier / nom).resolve() for nom in execution.sorties}
        _classer(inventaire, execution)
    for chemin in parcours.documents_word:
        if chemin.resolve() in produits:
            continue
        acte = _acte(Fichier(_execution_orpheline(chemin), chemin.name))
        if (acte.donnees or {}).get("type") in NATURE:
            inventaire.hors_manifeste.append(acte)
    return inventaire


def _execution_orpheline(chemin: Path) -> Execution:
    """Une exécution fictive pour un document qu'aucun manifeste ne consigne."""
    return Execution(chemin.parent, "", "", {}, {}, {})


def _classer(inventaire: Inventaire, execution: Execution) -> None:
    """Le grand livre d'un calcul ; les actes (.docx et leur PDF) de l'annexe 5 et des
    notifications ; leurs autres PDF (à imprimer) et classeurs ; le reste."""
    noms = sorted(execution.sorties)
    if execution.commande == "calculer" and NOM_RESULTATS in noms:
        chemin = execution.dossier / NOM_RESULTATS
        if chemin.is_file():
            inventaire.grands_livres.append(GrandLivreTrouve(chemin, sha256(chemin), execution))
    restants = set(noms)
    if execution.commande in ("annexe5", "notifications"):
        actes = inventaire.decisions if execution.commande == "annexe5" else inventaire.lettres
        for nom in (n for n in noms if n.endswith(".docx")):
            pdf = f"{nom[: -len('.docx')]}.pdf"
            restants -= {nom, pdf}
            actes.append(_acte(Fichier(execution, nom), pdf if pdf in noms else None))
    for nom in sorted(restants):
        fichier = Fichier(execution, nom)
        if execution.commande == "notifications" and nom.endswith(".pdf"):
            inventaire.a_imprimer.append(fichier)
        elif execution.commande == "annexe5" and nom.endswith(".xlsx"):
            inventaire.classeurs_annexe5.append(fichier)
        else:
            inventaire.autres.append(fichier)


def _acte(docx: Fichier, pdf: str | None = None) -> Acte:
    acte = Acte(docx, Fichier(docx.execution, pdf) if pdf else None)
    try:
        acte.donnees = lire_donnees(docx.chemin)
    except (OSError, zipfile.BadZipFile, ValueError) as erreur:
        acte.illisible = f"{docx.nom} illisible ({erreur})"
    if acte.donnees is not None and not isinstance(acte.donnees, dict):
        acte.donnees, acte.illisible = None, f"{docx.nom} : données intégrées illisibles"
    return acte
