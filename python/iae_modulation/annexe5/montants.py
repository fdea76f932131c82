"""D'où viennent les montants de l'annexe 5 : le grand livre du calcul (`Livre`) ou le taux
forfaitaire de 2014 (`Forfait`, note DGEFP n° 2014-04) ; une ligne payée par structure
(`Paiement`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from iae_modulation import parametres
from iae_modulation.documents.methode import LIBELLES, phrase_methode
from iae_modulation.documents.mots_dates import MotsDates, mots_de_la_campagne
from iae_modulation.documents.notifications import (
    parts_a_taux_fixe,
    phrase_penitentiaire,
    phrase_taux_fixe,
    texte_eiti_fourni,
)
from iae_modulation.formats import montant_fr, taux_fr
from iae_modulation.indicateurs import CRITERES, CRITERES_OPTIONNELS
from iae_modulation.methode import NOM_PAR_DEFAUT, pourcent_fr
from iae_modulation.montants import montant_module, taux_effectif
from iae_modulation.referentiel import (
    ANNEE_FORFAIT,
    cle_identifiant,
    lire_numero_annexe,
)
from iae_modulation.resultats import MOTIF_FORFAIT_2014, GrandLivre
from iae_modulation.sorties import (
    ErreurEntree,
)

NOTE = "note DGEFP n° 2014-04 du 10 octobre 2014"


@dataclass(frozen=True)
class Paiement:
    """Une ligne du tableau : la structure, la base de l'export, et sa ligne du grand livre
    (montant socle, taux, montants avant et après enveloppe, régularisation, net)."""

    nom: str  # désignation de la ligne de l'export (contrôle, messages)
    base: Decimal  # base de l'export (« Montant prévu de l'aide de l'Etat », « Montant total »)
    livre: dict  # ligne du grand livre (construite pour le taux forfaitaire)

    @property
    def net(self) -> Decimal:
        return self.livre["montant_net"]

    @property
    def regularisee(self) -> bool:
        """Vrai si la structure a un versement 2014 à régulariser (note 2014-04)."""
        return self.livre["regularisation"] is not None

    def ajouts(self, avec_regularisation: bool) -> list[Decimal]:
        """Les montants des colonnes de `entetes_ajoutes`, dans leur ordre."""
        if not avec_regularisation:
            return [self.net]
        livre = self.livre
        return [
            livre["montant_module"],
            livre["regularisation"] or Decimal(0),
            livre["montant_net"],
            livre["reste_a_deduire"] or Decimal(0),
        ]


@dataclass(frozen=True)
class Forfait:
    """Taux identique pour toutes les structures, appliqué à la base de l'export (hors 2014 :
    en 2014, le montant est celui du grand livre, `Livre` avec `forfait`)."""

    taux: Decimal
    modifie: str = ""

    def phrase(self, departement: str | None = None, mots: MotsDates | None = None) -> str:
        return (
            "Le montant modulé de chaque structure est égal à "
            f"{taux_fr(self.taux)} du montant socle de l'aide au poste conventionnée "
            f"(incluant, le cas échéant, le cofinancement du conseil général ; {NOTE})."
        )

    def paiement(
        self,
        base: Decimal,
        annexe: str,
        siret: str,
        nom: str,
        departement: str,
        cellule: Callable[[str], str],
    ) -> tuple[Paiement, str]:
        """Le taux appliqué à la base de l'export (`cellule`, qui situe ses cellules, ne sert
        pas : rien n'est comparé)."""
        module = montant_module(base, self.taux)
        livre = {
            "identifiant": cle_annexe(annexe) if annexe else f"SIRET {cle_siret(siret)}",
            "siret": cle_siret(siret) if siret else "",
            "motif_taux": MOTIF_FORFAIT_2014,
            "taux_calcule": self.taux,
            "montant_socle": base,
            "montant_avant_enveloppe": module,
            "enveloppe_disponible": None,
            "total_avant_enveloppe": None,
            "montant_module": module,
            "taux_effectif": taux_effectif(module, base),
            "regularisation": None,
            "reste_a_deduire": None,
            "montant_net": module,
        }
        return Paiement(nom, base, livre), ""

    def absentes(self, payees, mesure: str, retenus: list[str] | None) -> list[str]:
        """Sans grand livre, rien n'est attendu : chaque ligne de l'export est payée."""
        return []

    def phrase_methode(self, departement: str) -> None:
        """Aucune méthode en 2014 : le taux est forfaitaire."""
        return None


@dataclass
class Livre:
    """Les montants du grand livre d'un calcul, retrouvés par n° d'annexe ou par SIRET."""

    grand_livre: GrandLivre
    mesure: str
    par_annexe: dict[str, dict] = field(default_factory=dict)
    par_siret: dict[str, dict | None] = field(default_factory=dict)  # None : SIRET ambigu

    def __post_init__(self) -> None:
        for ligne in self.grand_livre.lignes:
            self.par_annexe[cle_annexe(ligne["identifiant"])] = ligne
            if ligne["type"] == self.mesure and ligne["siret"]:
                cle = cle_siret(ligne["siret"])
                self.par_siret[cle] = None if cle in self.par_siret else ligne

    @property
    def modifie(self) -> str:
        return self.grand_livre.modifie

    @property
    def fichier(self) -> str:
        return self.grand_livre.fichier.name

    def phrase_methode(self, departement: str) -> str | None:
        """La méthode appliquée aux structures classées de la mesure dans le département."""
        classees = [
            ligne
            for ligne in self.grand_livre.lignes
            if ligne["type"] == self.mesure
            and ligne["departement"] == departement
            and ligne["plafond"] is not None
        ]
        return phrase_methode(classees[0], structure=False) if classees else None

    def lignes_de(self, departement: str | None) -> list[dict]:
        """Les lignes de la mesure au grand livre (d'un département, s'il est donné)."""
        return [
            ligne
            for ligne in self.grand_livre.lignes
            if ligne["type"] == self.mesure and departement in (None, ligne["departement"])
        ]

    def phrase(self, departement: str | None = None, mots: MotsDates | None = None) -> str:
        """La base du taux telle que le grand livre l'a appliquée (`base_du_taux`) et les
        articles de la date de l'acte (`mots`) ; pour un département, la règle du milieu
        pénitentiaire appliquée, l'enveloppe qu'il a laissée aux autres et la régularisation
        2014 quand il en a une."""
        jour = dt.date(self.grand_livre.annee, 1, 1)
        mots = mots or mots_de_la_campagne(self.grand_livre.annee, dt.date.today())
        lignes = self.lignes_de(departement)
        texte = base_du_taux(lignes, jour, mots)
        texte += phrase_penitentiaire({ligne["motif_taux"] for ligne in lignes}, jour)
        texte += texte_eiti_fourni(self.mesure, jour.year)
        reduites = [ligne for ligne in lignes if ligne["enveloppe_disponible"] is not None]
        if reduites:
            parts = parts_a_taux_fixe(self.grand_livre.lignes)
            fixe = phrase_taux_fixe(
                reduites[0]["enveloppe_disponible"], parts.get(reduites[0]["region"])
            )
            texte += f" {fixe}" if fixe else ""
        if any(ligne["regularisation"] is not None for ligne in lignes):
            texte += (
                " Le montant versé en 2014 au titre de la modulation pour des postes non "
                "réalisés en 2014 est déduit du montant versé en 2015 (note DGEFP n° 2014-04) ; "
                "ce qui excède le montant modulé reste à déduire de l'aide au poste."
            )
        return texte

    def paiement(
        self,
        base: Decimal,
        annexe: str,
        siret: str,
        nom: str,
        departement: str,
        cellule: Callable[[str], str],
    ) -> tuple[Paiement | None, str]:
        """(paiement de la structure, motif s'il manque) ; le département, le SIRET et la base
        de l'export doivent être ceux du grand livre, sinon la lettre et la décision diraient
        deux choses différentes : l'écart nomme la cellule de l'export (`cellule(rôle)` :
        fichier, feuille, ligne, colonne) et celle du grand livre."""
        if annexe:
            ligne = self.par_annexe.get(cle_annexe(annexe))
            if ligne is None:
                return None, f"n° d'annexe {annexe} absent de {self.fichier}"
        elif siret:
            cle = cle_siret(siret)
            if cle not in self.par_siret:
                return None, f"SIRET {siret} absent de {self.fichier}"
            ligne = self.par_siret[cle]
            if ligne is None:
                return None, f"SIRET {siret} porté par plusieurs structures dans {self.fichier}"
        else:
            return None, "ni n° d'annexe financière ni SIRET pour la retrouver"
        if ligne["type"] != self.mesure:
            return (
                None,
                f"{ligne['identifiant']} est une structure {ligne['type']} dans {self.fichier}",
            )
        if ligne["departement"] != departement:
            return None, (
                f"{cellule('departement')} : département {departement} dans l'export, "
                f"{ligne['departement']} dans {self.fichier} "
                f"({self.cellule(ligne, 'departement')}) : la décision de paiement serait "
                "celle d'un autre département"
            )
        if siret and ligne["siret"] and cle_siret(siret) != cle_siret(ligne["siret"]):
            return None, (
                f"{cellule('siret')} : SIRET {siret} dans l'export, {ligne['siret']} "
                f"({ligne['raison_sociale']}) dans {self.fichier} pour le n° d'annexe {annexe} "
                f"({self.cellule(ligne, 'siret')}) : la décision paierait une autre structure "
                "que celle que la lettre notifie"
            )
        if ligne["montant_socle"] != base:
            return None, (
                f"{cellule('base')} : base de l'export {montant_fr(base)}, mais "
                f"{self.cellule(ligne, 'montant_socle')} : {montant_fr(ligne['montant_socle'])} "
                "(montant socle du calcul). La lettre notifie le montant du grand livre : la "
                "décision ne peut pas en payer un autre ; corrigez le montant socle des données "
                "(ou l'export) et recalculez"
            )
        return Paiement(nom, base, ligne), ""

    def cellule(self, ligne: dict, colonne: str) -> str:
        """« resultats.csv, ligne 7, colonne « montant_socle » » : la cellule du grand livre."""
        return f"{self.fichier}, ligne {ligne['ligne_source']}, colonne « {colonne} »"

    def absentes(self, payees, mesure: str, retenus: list[str] | None) -> list[str]:
        """Les structures de la mesure (et des départements retenus) que le grand livre
        notifie mais qu'aucune ligne de l'export ne paie."""
        return [
            f"{ligne['identifiant']} — {ligne['raison_sociale']} ({ligne['departement']}), net "
            f"{montant_fr(ligne['montant_net'])}"
            for ligne in self.grand_livre.lignes
            if ligne["type"] == mesure
            and (retenus is None or ligne["departement"] in retenus)
            and ligne["identifiant"] not in payees
        ]


def base_du_taux(lignes: list[dict], jour: dt.date, mots: MotsDates) -> str:
    """La phrase qui dit comment le taux des lignes a été fixé, lue dans le grand livre : le
    taux forfaitaire de 2014, ou le taux de modulation de 0 au plafond de la méthode appliquée
    (pondération par défaut de la note, ou celle de la méthode régionale nommée), dans la
    limite de l'enveloppe régionale quand il y en a une ; « » si aucune ligne n'est ni classée
    ni au forfait (taux fixe du milieu pénitentiaire, dit par `phrase_penitentiaire`)."""
    classees = [ligne for ligne in lignes if ligne["plafond"] is not None]
    if not classees:
        forfaits = sorted(
            {ligne["taux_calcule"] for ligne in lignes if ligne["motif_taux"] == MOTIF_FORFAIT_2014}
        )
        if not forfaits:
            return ""
        return (
            "Le montant modulé de chaque structure est égal à "
            f"{' ou '.join(taux_fr(t) for t in forfaits)} du montant socle de l'aide au poste "
            f"conventionnée (incluant, le cas échéant, le cofinancement du conseil général ; "
            f"{NOTE})."
        )
    ligne = classees[0]
    articles = mots.mot("articles_aide_au_poste", "mot_articles_aide_au_poste")
    if ponderation_par_defaut(ligne, jour):
        source = f"{articles} ; {NOTE}, annexe 2, pour la pondération par défaut"
    else:
        criteres = [c for c in (*CRITERES, *CRITERES_OPTIONNELS) if ligne.get(f"poids_{c}")]
        poids = ", ".join(f"{LIBELLES[c]} {pourcent_fr(ligne[f'poids_{c}'])}" for c in criteres)
        source = f"{articles} ; pondération de la méthode régionale : {poids}"
    nom = "" if ligne["methode"] == NOM_PAR_DEFAUT else f", selon la méthode « {ligne['methode']} »"
    limite = (
        ", dans la limite de l'enveloppe régionale"
        if any(c["enveloppe_region"] is not None for c in classees)
        else ""
    )
    return (
        "Le montant modulé de chaque structure est égal à son montant socle multiplié par "
        f"son taux de modulation (de 0 à {pourcent_fr(ligne['plafond_methode'])}), déterminé au "
        "vu des caractéristiques des publics embauchés, des efforts d'insertion et des "
        f"résultats obtenus ({source}){nom}{limite}."
    )


def ponderation_par_defaut(ligne: dict, jour: dt.date) -> bool:
    """Vrai si la ligne classée porte les poids de la note (paramètres datés) et aucun critère
    facultatif."""
    defaut = {c: parametres.valeur(f"poids_{c}", jour).valeur for c in CRITERES}
    return all(ligne.get(f"poids_{c}") == defaut.get(c) for c in (*CRITERES, *CRITERES_OPTIONNELS))


def taux_forfaitaire(pourcentage: Decimal, annee: int) -> Forfait:
    """`--taux-forfaitaire 5` : le même taux pour toutes les structures. En 2014, c'est le taux
    que la note 2014-04 fixe (paramètre daté), et aucun autre ; sinon de 0 au taux maximal."""
    taux = Decimal(pourcentage) / 100
    jour = dt.date(annee, 1, 1)
    if annee == ANNEE_FORFAIT:
        fixe = parametres.valeur("taux_forfaitaire_2014", jour).nombre
        if taux != fixe:
            raise ErreurEntree(
                f"Taux forfaitaire de {pourcentage} % refusé pour 2014 : la note DGEFP n° 2014-04 "
                f"fixe la part modulée de 2014 à {taux_fr(fixe)} du montant socle ; les lettres "
                "de 2014 le disent, la décision ne peut pas payer un autre taux."
            )
        return Forfait(taux)
    maximum = parametres.valeur("taux_modulation_max", jour).nombre
    if not 0 <= taux <= maximum:
        raise ErreurEntree(
            f"Taux forfaitaire de {pourcentage} % refusé : le montant modulé va de 0 à "
            f"{taux_fr(maximum, 0)} du montant socle."
        )
    return Forfait(taux)


def cle_annexe(texte: str) -> str:
    """N° d'annexe sans avenant (« ACI051230010A1M0 » -> « ACI051230010 »)."""
    numero = lire_numero_annexe(texte)
    return numero.convention if numero else cle_identifiant(texte)


def cle_siret(texte: str) -> str:
    return re.sub(r"\D", "", str(texte))
