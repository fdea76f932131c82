"""Le rapprochement d'un grand livre : sa relecture vérifiée, ses lignes par identifiant, la
campagne où compter, le registre des actes, et le rapprochement où signaler écarts, documents
et envois. Commun aux décisions (`decisions`) et aux lettres (`lettres`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.annexe5 import cle_annexe
from iae_modulation.rapprochement.inventaire import NATURE, Acte, Fichier
from iae_modulation.rapprochement.resultat import Campagne, Envoi, Rapprochement
from iae_modulation.resultats import GrandLivre

_MONTANT = re.compile(r"-?\d{1,13}(?:\.\d{1,2})?")


class DonneeIllisible(ValueError):
    """Une valeur des données intégrées qui n'a pas la forme du format (`formats16`)."""


def montant_integre(valeur: object, cle: str) -> Decimal:
    """Un montant des données intégrées, chaîne décimale « 1234.56 » ; lève `DonneeIllisible`."""
    if not isinstance(valeur, str) or not _MONTANT.fullmatch(valeur):
        raise DonneeIllisible(f"« {cle} » n'est pas un montant ({valeur!r})")
    return Decimal(valeur)


def montant_ou_rien(valeur: object, cle: str) -> Decimal | None:
    """Un montant facultatif des données intégrées (None ou chaîne décimale)."""
    return None if valeur is None else montant_integre(valeur, cle)


@dataclass
class Controle:
    """Ce que partagent les contrôles d'un grand livre."""

    rapprochement: Rapprochement
    campagne: Campagne
    livre: GrandLivre
    textes_pdf: dict[Path, str]  # texte compact de chaque PDF (`textes.textes_pdf`)
    par_identifiant: dict[str, dict] = field(init=False)

    def __post_init__(self) -> None:
        # n° d'annexe sans avenant : un tableau au taux forfaitaire de 2014 nomme ainsi la
        # structure
        self.par_identifiant = {
            cle_annexe(ligne["identifiant"]): ligne for ligne in self.livre.lignes
        }

    def nom(self, chemin: Path) -> str:
        """Le chemin d'un document, relatif au dossier de campagne s'il y est."""
        return self.rapprochement.relatif(chemin)

    def ecart(self, departement: str, mesure: str, objet: str, probleme: str) -> None:
        self.rapprochement.ecart(departement, mesure, objet, probleme)

    def document(self, fichier: Fichier | Path, traitement: str, a_dire: bool = True) -> None:
        chemin = fichier.chemin if isinstance(fichier, Fichier) else fichier
        self.rapprochement.document(chemin, self.campagne.nom, traitement, a_dire)

    def envoyer(
        self,
        fichier: Fichier,
        destinataire: str,
        signe: bool,
        reference: str,
        joint_a: Fichier | None = None,
    ) -> None:
        self.rapprochement.envois.append(
            Envoi(
                fichier.chemin,
                destinataire,
                signe,
                reference,
                f"tableau annexé à {joint_a.nom}" if joint_a else "",
                joint_a.chemin if joint_a else None,
            )
        )

    def lisible(self, acte: Acte, type_attendu: str) -> bool:
        """Vrai si l'acte peut être rapproché : fichier tel que son manifeste l'a consigné,
        données intégrées présentes, du bon type et de la campagne ; sinon l'écart est signalé."""
        nature = NATURE[type_attendu]
        donnees = acte.donnees or {}
        probleme = acte.docx.probleme or acte.illisible
        if not probleme and acte.donnees is None:
            probleme = (
                "sans données intégrées : ses montants ne peuvent pas être lus (document d'une "
                "version antérieure de l'outil, ou données retirées) ; produisez à nouveau la "
                f"{nature}"
            )
        elif not probleme and donnees.get("type") != type_attendu:
            probleme = f"ses données intégrées ne sont pas celles d'une {nature}"
        elif not probleme and donnees.get("annee") != self.campagne.annee:
            probleme = (
                f"{nature} de la campagne {donnees.get('annee')}, grand livre de la campagne "
                f"{self.campagne.annee}"
            )
        probleme = probleme or acte.contradiction
        if probleme:
            self.ecart(
                str(donnees.get("departement", "")),
                str(donnees.get("mesure", "")),
                self.nom(acte.docx.chemin),
                f"{nature} : {probleme}",
            )
        return not probleme
