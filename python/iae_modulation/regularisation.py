"""Régularisation en 2015 du montant modulé versé pour 2014 (note DGEFP n° 2014-04).

La note : « En cas de sous-réalisation des objectifs inscrits à la convention par la structure en
2014, une régularisation sera effectuée en 2015 ; ainsi le montant versé en 2014 au titre de la
modulation pour des postes non réalisés en 2014 sera déduit du montant versé en 2015. »

Déduction (docs/conception.md, « Méthode par défaut ») =
montant versé pour 2014 × max(0, ETP conventionnés 2014 − ETP réalisés 2014)
/ ETP conventionnés 2014, au centime (moitié vers le haut). Elle est retirée du montant modulé
2015 ; ce qui la dépasse (le reste à déduire) est porté sur la décision de paiement pour être
déduit de l'aide au poste, jamais abandonné.

Le fichier des versements est indexé par l'annexe financière 2014 (`cle_versement` : le n°
sans avenant) ; la structure de la campagne 2015 tire le versement de son annexe, et une seule
annexe peut le tirer : tiré deux fois, il serait déduit deux fois.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from iae_modulation.formats import arrondi_centime
from iae_modulation.referentiel import cle_identifiant, lire_numero_annexe


def cle_versement(identifiant: object) -> str:
    """L'annexe financière sans avenant (« EI054140001A1M0 » -> « EI054140001 ») : le versement
    2014 d'une annexe est tiré par l'annexe 2015 de la même convention ; un identifiant qui
    n'est pas un n° d'annexe est pris tel quel (`cle_identifiant`)."""
    numero = lire_numero_annexe(identifiant)
    return numero.convention if numero else cle_identifiant(identifiant)


@dataclass(frozen=True)
class Versement2014:
    """Une ligne du fichier des versements : montant modulé versé pour 2014 et postes 2014."""

    montant: Decimal
    etp_conventionnes: Decimal
    etp_realises: Decimal


@dataclass(frozen=True)
class Regularisation:
    """Ce que la régularisation fait au montant modulé 2015 d'une structure."""

    deduction: Decimal  # montant 2014 versé pour des postes non réalisés
    net: Decimal  # montant modulé 2015 après déduction, jamais négatif
    reste: Decimal  # part de la déduction qui dépasse le montant modulé 2015


def deduction_regularisation(versement: Versement2014) -> Decimal:
    """versé × max(0, conventionnés − réalisés) / conventionnés, au centime."""
    non_realises = max(Decimal(0), versement.etp_conventionnes - versement.etp_realises)
    return arrondi_centime(versement.montant * non_realises / versement.etp_conventionnes)


def regulariser(montant_module: Decimal, versement: Versement2014) -> Regularisation:
    """Net = max(0, modulé − déduction) ; reste = max(0, déduction − modulé)."""
    deduction = deduction_regularisation(versement)
    net = max(Decimal(0), montant_module - deduction)
    return Regularisation(deduction, net, deduction - (montant_module - net))
