"""Annexe 5 de la note DGEFP n° 2014-04 : le tableau départemental joint à la décision de paiement.

Les étapes de la note (« Modèles de décision de paiement à destination de l'ASP »), par mesure :
- EI : filtrer le département ; supprimer « no Présage » ; supprimer les colonnes à partir de
  « Montant prévu de l'Aide FSE=AE » ; ajouter « Montant modulé prévu ».
- ETTI : filtrer ; ajouter « Montant modulé prévu » (les suppressions sont réservées aux EI).
- AI, ACI : filtrer ; garder les premières colonnes jusqu'à « date fin effet annexe » ; supprimer
  de « Nombre de postes conventionnés » à « Date de fin d'effet de l'aide au poste » ; garder
  « Montant total de l'aide au poste » et supprimer le reste ; pour les ACI, vérifier d'abord que
  « Dont cofinancé par le conseil général » est renseigné partout ; ajouter « Montant prévu
  modulation ».
- EITI (créées après la note, par l'article 83 de la loi n° 2018-771) : traitées comme les ETTI,
  dont elles partagent le « Tableau de suivi des annexes financières ».
En 2014 (`--taux-forfaitaire 5`), le montant ajouté est 5 % de la base de l'export, comme la note
le décrit. À partir d'un calcul (`--resultats`), il est lu dans le grand livre et nulle part
ailleurs : le montant net à verser de chaque structure, avec, quand la campagne régularise des
versements 2014, le montant modulé, la régularisation et le reste à déduire dans leurs colonnes.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation import parametres
from iae_modulation.documents.decision_asp import DecisionASP, rendre_decisions_asp
from iae_modulation.documents.methode import phrase_methode
from iae_modulation.documents.mots_dates import MotsDates, mots_de_la_campagne
from iae_modulation.documents.notifications import (
    parts_a_taux_fixe,
    phrase_penitentiaire,
    phrase_taux_fixe,
    texte_eiti_fourni,
)
from iae_modulation.documents.pdf import (
    REMARQUE_SANS_LIBREOFFICE,
    ErreurPDF,
    convertir_en_pdf,
    pdf_a_produire,
)
from iae_modulation.documents.signature import Signature, probleme_date, signature_demo
from iae_modulation.donnees import lire_donnees
from iae_modulation.erreurs import traduire
from iae_modulation.exports.classeurs_asp import (
    TITRE_SYNTHESE,
    LigneSynthese,
    ecrire_synthese,
    ecrire_tableau,
)
from iae_modulation.exports.entetes import normaliser_entete
from iae_modulation.exports.exemples import ANNEE_DEMO, FICHIERS_DEMO
from iae_modulation.exports.extranet import lire_export_extranet
from iae_modulation.exports.fluxiae import est_fluxiae, lire_fluxiae
from iae_modulation.exports.table import TableExport
from iae_modulation.formats import montant_fr, nombre_fr, taux_fr
from iae_modulation.identites import verifier_donnees
from iae_modulation.lecture import (
    CelluleEnErreur,
    NombreAmbigu,
    est_erreur_excel,
    lire_montant,
    lire_nombre,
    message_cellule_en_erreur,
)
from iae_modulation.mise_en_page import mention_sur_chaque_page
from iae_modulation.montants import montant_module, taux_effectif
from iae_modulation.referentiel import (
    ANNEE_FORFAIT,
    TYPES_SIAE,
    departements,
    lire_numero_annexe,
    normaliser_departement,
    normaliser_mesure,
    probleme_annee_campagne,
    sans_accents,
)
from iae_modulation.resultats import MOTIF_FORFAIT_2014, GrandLivre, lire_grand_livre
from iae_modulation.sorties import (
    ErreurEntree,
    ErreurSortie,
    classeur_remplacable,
    dossier_atomique,
    ecrire_manifeste,
    nom_de_fichier_sur,
    verifier_fichier_entree,
)

MESURES = tuple(TYPES_SIAE)  # EI, ETTI, AI, ACI, EITI : une structure, une décision
ENTETE_MODULE = {
    "EI": "Montant modulé prévu",
    "ETTI": "Montant modulé prévu",
    "EITI": "Montant modulé prévu",
    "AI": "Montant prévu modulation",
    "ACI": "Montant prévu modulation",
}
# Colonnes ajoutées quand la campagne régularise des versements 2014 (note 2014-04) : le montant
# que l'ASP verse reste sous l'intitulé de la note, suivi de « (net à verser) ».
ENTETE_BRUT = "Montant modulé"
ENTETE_REGULARISATION = "Régularisation 2014"
ENTETE_RESTE = "Reste à déduire de l'aide au poste"
NOTE = "note DGEFP n° 2014-04 du 10 octobre 2014"


def entetes_ajoutes(mesure: str, avec_regularisation: bool) -> list[str]:
    """Les colonnes que l'annexe 5 ajoute à droite du tableau de l'export."""
    if not avec_regularisation:
        return [ENTETE_MODULE[mesure]]
    return [
        ENTETE_BRUT,
        ENTETE_REGULARISATION,
        f"{ENTETE_MODULE[mesure]} (net à verser)",
        ENTETE_RESTE,
    ]


class RefusAnnexe5(ErreurEntree):
    """Export inutilisable pour les tableaux : la liste des problèmes est dans le message."""


# ---------------------------------------------------------------------------------------------
# D'où viennent les montants : le grand livre du calcul, ou le taux forfaitaire de 2014


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
    """Taux identique pour toutes les structures (2014 : 5 %), appliqué à la base de l'export."""

    taux: Decimal
    avec_regularisation: bool = False
    modifie: str = ""

    def phrase(self, departement: str | None = None, mots: MotsDates | None = None) -> str:
        return (
            "Le montant modulé de chaque structure est égal à "
            f"{taux_fr(self.taux)} du montant socle de l'aide au poste conventionnée "
            f"(incluant, le cas échéant, le cofinancement du conseil général ; {NOTE})."
        )

    def paiement(
        self, base: Decimal, annexe: str, siret: str, nom: str, departement: str
    ) -> tuple[Paiement, str]:
        module = montant_module(base, self.taux)
        livre = {
            "identifiant": cle_annexe(annexe) if annexe else f"SIRET {cle_siret(siret)}",
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
    def avec_regularisation(self) -> bool:
        return self.grand_livre.avec_regularisation

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

    def phrase(self, departement: str | None = None, mots: MotsDates | None = None) -> str:
        """La base du taux, avec le plafond de la campagne et les articles de la date de l'acte
        (`mots`) ; pour un département, la règle du milieu pénitentiaire appliquée et
        l'enveloppe qu'il a laissée aux autres."""
        jour = dt.date(self.grand_livre.annee, 1, 1)
        maximum = parametres.valeur("taux_modulation_max", jour).valeur
        mots = mots or mots_de_la_campagne(self.grand_livre.annee, dt.date.today())
        articles = mots.mot("articles_aide_au_poste", "mot_articles_aide_au_poste")
        texte = (
            "Le montant modulé de chaque structure est égal à son montant socle multiplié par "
            f"son taux de modulation (de 0 à {taux_fr(maximum, 0)}), déterminé au vu des "
            "caractéristiques des publics embauchés, des efforts d'insertion et des résultats "
            f"obtenus ({articles} ; {NOTE}, annexe 2, pour la pondération par défaut), dans la "
            "limite de l'enveloppe régionale."
        )
        lignes = [
            ligne
            for ligne in self.grand_livre.lignes
            if ligne["type"] == self.mesure and departement in (None, ligne["departement"])
        ]
        texte += phrase_penitentiaire({ligne["motif_taux"] for ligne in lignes}, jour)
        texte += texte_eiti_fourni(self.mesure, jour.year)
        reduites = [ligne for ligne in lignes if ligne["enveloppe_disponible"] is not None]
        if reduites:
            parts = parts_a_taux_fixe(self.grand_livre.lignes)
            fixe = phrase_taux_fixe(
                reduites[0]["enveloppe_disponible"], parts.get(reduites[0]["region"])
            )
            texte += f" {fixe}" if fixe else ""
        if self.avec_regularisation:
            texte += (
                " Le montant versé en 2014 au titre de la modulation pour des postes non "
                "réalisés en 2014 est déduit du montant versé en 2015 (note DGEFP n° 2014-04) ; "
                "ce qui excède le montant modulé reste à déduire de l'aide au poste."
            )
        return texte

    def paiement(
        self, base: Decimal, annexe: str, siret: str, nom: str, departement: str
    ) -> tuple[Paiement | None, str]:
        """(paiement de la structure, motif s'il manque) ; le département et la base de
        l'export doivent être ceux du grand livre, sinon la lettre et la décision diraient deux
        choses différentes."""
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
                f"département {departement} dans l'export, {ligne['departement']} dans "
                f"{self.fichier} : la décision de paiement serait celle d'un autre département"
            )
        if siret and ligne["siret"] and cle_siret(siret) != cle_siret(ligne["siret"]):
            return None, (
                f"SIRET {siret} dans l'export, {ligne['siret']} ({ligne['raison_sociale']}) "
                f"dans {self.fichier} pour le n° d'annexe {annexe} : la décision paierait une "
                "autre structure que celle que la lettre notifie"
            )
        if ligne["montant_socle"] != base:
            return None, (
                f"base de l'export {montant_fr(base)}, montant socle du calcul "
                f"{montant_fr(ligne['montant_socle'])} ({self.fichier}) : corrigez le montant "
                "socle des données et recalculez, pour que la lettre et la décision disent le "
                "même montant"
            )
        return Paiement(nom, base, ligne), ""

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


def taux_forfaitaire(pourcentage: Decimal, annee: int) -> Forfait:
    """`--taux-forfaitaire 5` : le même taux pour toutes les structures. En 2014, c'est le taux
    que la note 2014-04 fixe (paramètre daté), et aucun autre ; sinon de 0 au taux maximal."""
    taux = Decimal(pourcentage) / 100
    jour = dt.date(annee, 1, 1)
    if annee == ANNEE_FORFAIT:
        fixe = parametres.valeur("taux_forfaitaire_2014", jour).valeur
        if taux != fixe:
            raise ErreurEntree(
                f"Taux forfaitaire de {pourcentage} % refusé pour 2014 : la note DGEFP n° 2014-04 "
                f"fixe la part modulée de 2014 à {taux_fr(fixe)} du montant socle ; les lettres "
                "de 2014 le disent, la décision ne peut pas payer un autre taux."
            )
        return Forfait(taux)
    maximum = parametres.valeur("taux_modulation_max", jour).valeur
    if not 0 <= taux <= maximum:
        raise ErreurEntree(
            f"Taux forfaitaire de {pourcentage} % refusé : le montant modulé va de 0 à "
            f"{taux_fr(maximum, 0)} du montant socle."
        )
    return Forfait(taux)


def cle_annexe(texte: str) -> str:
    """N° d'annexe sans avenant (« ACI051230010A1M0 » -> « ACI051230010 »)."""
    numero = lire_numero_annexe(texte)
    return numero.convention if numero else re.sub(r"\s", "", str(texte)).upper()


def cle_siret(texte: str) -> str:
    return re.sub(r"\D", "", str(texte))


# ---------------------------------------------------------------------------------------------
# Transformation


@dataclass
class TableauAnnexe5:
    """Le tableau d'un département, prêt à annexer : cellules texte, montants en Decimal."""

    mesure: str
    departement: str
    colonnes: list[str]
    montants: set[int]  # index des colonnes en euros
    totaux: set[int]  # colonnes totalisées : les montants, sauf les montants par poste
    nombres: set[int]  # autres colonnes numériques (postes en ETP)
    avec_regularisation: bool
    lignes: list[list[str | Decimal]] = field(default_factory=list)
    paiements: list[Paiement] = field(default_factory=list)

    @property
    def nb_structures(self) -> int:
        return len(self.paiements)

    @property
    def base_totale(self) -> Decimal:
        return sum((p.base for p in self.paiements), Decimal(0))

    @property
    def montant_total(self) -> Decimal:
        """Ce que l'ASP verse : la somme des montants nets."""
        return sum((p.net for p in self.paiements), Decimal(0))

    def total(self, colonne: str) -> Decimal:
        return sum((p.livre[colonne] or Decimal(0) for p in self.paiements), Decimal(0))


@dataclass
class Transformation:
    tableaux: dict[str, TableauAnnexe5]
    exclues: dict[str, int]  # département -> lignes écartées par le filtre
    remarques: list[str]


def colonnes_conservees(table: TableExport) -> list[int]:
    """Étapes 2 à 4 de la note, sur les positions trouvées par en-tête (pas par lettre)."""
    toutes = list(range(len(table.entetes)))
    if table.source == "fluxiae":  # déjà dans la forme de la note ; le cofinancement, vérifié
        return [i for i in toutes if i != table.positions.get("cofinancement_cg")]
    if table.mesure in ("ETTI", "EITI"):
        return toutes
    p = table.positions
    if table.mesure == "EI":
        gardees = [i for i in toutes if i < p["montant_fse"] and i != p["no_presage"]]
        # Export réordonné : le montant de l'État reste, même placé après la colonne FSE.
        return gardees if p["base"] in gardees else [*gardees, p["base"]]
    fin_premieres = p["date_fin_effet_annexe"]
    supprimees = set(range(p["nb_postes"], p["date_fin_aide"] + 1))
    gardees = [i for i in range(fin_premieres + 1) if i not in supprimees]
    return [*gardees, p["montant_total"]]


@dataclass
class _Problemes:
    """Ce qui empêche d'établir les tableaux, trouvé en une seule lecture de l'export."""

    cellules: list[str] = field(default_factory=list)
    sans_montant: list[str] = field(default_factory=list)
    cofinancement_vide: list[str] = field(default_factory=list)
    doublons: list[str] = field(default_factory=list)
    hors_annee: list[str] = field(default_factory=list)
    absentes: list[str] = field(default_factory=list)  # notifiées mais absentes de l'export


def transformer(
    table: TableExport,
    source: Forfait | Livre,
    annee: int,
    departements_retenus: list[str] | None = None,
) -> Transformation:
    """Applique les étapes de la note ; lève `RefusAnnexe5` avec tous les problèmes à la fois."""
    gardees = colonnes_conservees(table)
    ajoutes = entetes_ajoutes(table.mesure, source.avec_regularisation)
    colonnes = [table.entetes[i] for i in gardees] + ajoutes
    ajoutees = set(range(len(gardees), len(colonnes)))
    montants = {n for n, i in enumerate(gardees) if i in table.montants} | ajoutees
    totaux = montants - {n for n, i in enumerate(gardees) if i in table.unitaires}
    nombres = {n for n, i in enumerate(gardees) if i in table.nombres}
    problemes = _Problemes()
    exclues: Counter[str] = Counter()
    tableaux: dict[str, TableauAnnexe5] = {}
    vues: dict[str, int] = {}  # structure -> ligne de l'export où elle est apparue
    payees: dict[str, int] = {}  # structure du grand livre -> ligne de l'export qui la paie
    totaux_ignores = 0
    dates_verifiees = table.dates_d_effet_connues
    for index, ligne in enumerate(table.lignes):
        if not any(c.strip() for c in ligne):
            continue
        if _est_ligne_de_total(table, ligne):
            totaux_ignores += 1
            continue
        numero = table.numeros[index]
        lieu = f"{table.lieu}, ligne {numero}"
        departement = departement_de(table.valeur(ligne, "departement"))
        if departement is None:
            problemes.cellules.append(
                f"{lieu}, colonne « {table.entetes[table.positions['departement']]} » : "
                f"département « {table.valeur(ligne, 'departement')} » inconnu."
            )
            continue
        if departements_retenus is not None and departement not in departements_retenus:
            exclues[departement] += 1
            continue
        annexe, siret = table.valeur(ligne, "numero_annexe"), table.valeur(ligne, "siret")
        if _cles_en_erreur(table, ligne, lieu, problemes.cellules):
            continue
        cle = cle_annexe(annexe) if annexe else (f"SIRET {cle_siret(siret)}" if siret else "")
        if cle and cle in vues:
            problemes.doublons.append(
                f"{table.nom(index)} : même structure qu'à la ligne {vues[cle]} ({cle})"
            )
            continue
        if cle:
            vues[cle] = numero
        if dates_verifiees:
            _verifier_dates(table, ligne, lieu, annee, problemes)
        if table.mesure == "ACI" and table.valeur(ligne, "cofinancement_cg") == "":
            problemes.cofinancement_vide.append(table.nom(index))
        base = _montant(table, ligne, "base", lieu, problemes.cellules)
        if table.mesure == "ACI":
            _montant(table, ligne, "cofinancement_cg", lieu, problemes.cellules, vide_permis=True)
        if base is None:
            continue
        paiement, motif = source.paiement(base, annexe, siret, table.nom(index), departement)
        if paiement is None:
            problemes.sans_montant.append(f"{table.nom(index)} : {motif}")
            continue
        payee = paiement.livre["identifiant"]
        if payee in payees:
            problemes.doublons.append(
                f"{table.nom(index)} : même structure ({payee}) qu'à la ligne {payees[payee]}"
            )
            continue
        payees[payee] = numero
        tableau = tableaux.setdefault(
            departement,
            TableauAnnexe5(
                table.mesure,
                departement,
                colonnes,
                montants,
                totaux,
                nombres,
                source.avec_regularisation,
            ),
        )
        cellules = _cellules(table, ligne, gardees, lieu, problemes.cellules)
        tableau.lignes.append(cellules + paiement.ajouts(source.avec_regularisation))
        tableau.paiements.append(paiement)
    problemes.absentes = source.absentes(payees, table.mesure, departements_retenus)
    _refuser_si_besoin(table, problemes, annee)
    remarques = list(table.remarques)
    if not dates_verifiees:
        remarques.append(
            "L'export ne donne pas les dates d'effet des annexes : l'année de campagne "
            f"{annee} n'a pas pu être vérifiée ligne par ligne."
        )
    if totaux_ignores:
        remarques.append(f"{totaux_ignores} ligne(s) de total de l'export ignorée(s).")
    if departements_retenus:
        absents = [d for d in departements_retenus if d not in tableaux]
        if absents:
            remarques.append(
                f"Aucune structure {table.mesure} dans l'export pour : "
                + ", ".join(f"{d} ({departements()[d].nom})" for d in absents)
                + " ; pas de décision pour ce(s) département(s)."
            )
    rang = {code: n for n, code in enumerate(departements())}
    ordre = sorted(tableaux, key=rang.__getitem__)
    return Transformation({d: tableaux[d] for d in ordre}, dict(exclues), remarques)


def _verifier_dates(
    table: TableExport, ligne: list[str], lieu: str, annee: int, problemes: _Problemes
) -> None:
    """Les dates d'effet de l'annexe doivent couvrir une partie de l'année de campagne."""
    dates = []
    for cle in ("date_debut_effet_annexe", "date_fin_effet_annexe"):
        texte = table.valeur(ligne, cle)
        jour = lire_date(texte)
        if jour is None:
            problemes.cellules.append(
                f"{lieu}, colonne « {table.entetes[table.positions[cle]]} » : « {texte} » n'est "
                "pas une date (jj/mm/aaaa)."
            )
            return
        dates.append(jour)
    debut, fin = dates
    if debut > dt.date(annee, 12, 31) or fin < dt.date(annee, 1, 1):
        problemes.hors_annee.append(
            f"{lieu} : annexe en vigueur du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}"
        )


def lire_date(texte: str) -> dt.date | None:
    """« 31/12/2026 » (extranet, FluxIAE) ou « 2026-12-31 » ; None si ce n'est pas une date."""
    for format_ in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(texte.strip()[:10], format_).date()
        except ValueError:
            continue
    return None


def _refuser_si_besoin(table: TableExport, problemes: _Problemes, annee: int) -> None:
    """Un seul refus qui liste tous les problèmes, chacun sous sa phrase d'explication."""
    cofinancement = (
        table.entetes[table.positions["cofinancement_cg"]] if problemes.cofinancement_vide else ""
    )
    rubriques = (
        (
            problemes.cofinancement_vide,
            f"Colonne « {cofinancement} » vide pour {{n}} ligne(s) : la note demande de vérifier "
            "qu'elle est complétée avant de supprimer les colonnes (0 est une valeur, une case "
            "vide ne l'est pas)",
        ),
        (
            problemes.doublons,
            "{n} ligne(s) en double (une seule ligne par annexe financière, sinon le montant "
            "serait versé deux fois)",
        ),
        (
            problemes.hors_annee,
            f"{{n}} annexe(s) hors de l'année de campagne {annee} (export d'une autre année ?)",
        ),
        (
            problemes.absentes,
            "{n} structure(s) du grand livre absente(s) de l'export : leur lettre annoncerait un "
            "paiement que la décision ne ferait pas (prenez l'export complet, ou recalculez sans "
            "elles)",
        ),
        (
            problemes.sans_montant,
            "{n} structure(s) sans montant (aucun montant n'est mis à 0 en silence)",
        ),
        (problemes.cellules, "{n} cellule(s) illisible(s)"),
    )
    parties = [
        intro.format(n=len(liste)) + " :\n" + "\n".join(f"  - {element}" for element in liste)
        for liste, intro in rubriques
        if liste
    ]
    if parties:
        raise RefusAnnexe5(
            f"{table.lieu} : tableaux de l'annexe 5 ({table.mesure}) non établis, rien n'a été "
            "écrit.\n" + "\n".join(parties)
        )


def _montant(
    table: TableExport,
    ligne: list[str],
    cle: str,
    lieu: str,
    erreurs: list[str],
    vide_permis: bool = False,
) -> Decimal | None:
    texte = table.valeur(ligne, cle)
    entete = table.entetes[table.positions[cle]]
    if texte == "":
        if not vide_permis:
            erreurs.append(f"{lieu}, colonne « {entete} » : montant vide.")
        return None
    try:
        montant = lire_montant(texte)
    except (CelluleEnErreur, NombreAmbigu) as erreur:
        erreurs.append(f"{lieu}, colonne « {entete} » : {erreur}")
        return None
    except ValueError:
        erreurs.append(f"{lieu}, colonne « {entete} » : « {texte} » n'est pas un montant.")
        return None
    if montant < 0:
        erreurs.append(f"{lieu}, colonne « {entete} » : montant négatif ({texte}).")
        return None
    return montant


def _cles_en_erreur(table: TableExport, ligne: list[str], lieu: str, erreurs: list[str]) -> bool:
    """Une valeur d'erreur d'Excel dans ce qui désigne la structure (département, n° d'annexe,
    SIRET) : la ligne ne peut être rattachée à personne, elle est refusée."""
    trouvees = [
        f"{lieu}, colonne « {table.entetes[table.positions[cle]]} » : "
        + message_cellule_en_erreur(table.valeur(ligne, cle))
        for cle in ("departement", "numero_annexe", "siret")
        if cle in table.positions and est_erreur_excel(table.valeur(ligne, cle))
    ]
    erreurs += trouvees
    return bool(trouvees)


def _cellules(
    table: TableExport, ligne: list[str], gardees: list[int], lieu: str, erreurs: list[str]
) -> list[str | Decimal]:
    """Les cellules gardées de la ligne (`_cellule`) ; une valeur d'erreur d'Excel ou un
    montant ambigu (« 295.600 ») est refusé, jamais recopié dans le tableau."""
    cellules: list[str | Decimal] = []
    for i in gardees:
        lire = lire_montant if i in table.montants else lire_nombre if i in table.nombres else None
        try:
            cellules.append(_cellule(ligne[i], lire))
        except (CelluleEnErreur, NombreAmbigu) as erreur:
            erreurs.append(f"{lieu}, colonne « {table.entetes[i]} » : {erreur}")
            cellules.append(ligne[i])
    return cellules


def _cellule(texte: str, lire: Callable[[str], Decimal] | None) -> str | Decimal:
    """Un montant ou un nombre de postes lisible (`lire`) devient Decimal (nombre dans le
    classeur) ; le reste reste du texte, un nombre décimal lu d'Excel (« 12.91 ») étant écrit à
    la française (« 12,91 »). Lève `CelluleEnErreur` pour « #N/A », `NombreAmbigu` pour un
    montant comme « 295.600 »."""
    if est_erreur_excel(texte):
        raise CelluleEnErreur(texte)
    if lire is not None and texte.strip():
        try:
            return lire(texte)
        except (CelluleEnErreur, NombreAmbigu):
            raise
        except ValueError:
            return texte
    if _DECIMAL_POINT.fullmatch(texte):
        return texte.replace(".", ",")
    return texte


_DECIMAL_POINT = re.compile(r"-?\d+\.\d+")


def _est_ligne_de_total(table: TableExport, ligne: list[str]) -> bool:
    if table.valeur(ligne, "departement"):
        return False
    premiere = next((c for c in ligne if c.strip()), "")
    return normaliser_entete(premiere).startswith("total")


_CODE_EN_TETE = re.compile(r"\s*(2[AaBb]|\d{2,3})\b")


def departement_de(texte: str) -> str | None:
    """Code du département : « 51 », « 051 », « 51 - Marne », « Marne »."""
    code = normaliser_departement(texte)
    if code:
        return code
    trouve = _CODE_EN_TETE.match(texte)
    if trouve and normaliser_departement(trouve[1]):
        return normaliser_departement(trouve[1])
    nom = _cle_nom(texte)
    return next((d.code for d in departements().values() if _cle_nom(d.nom) == nom), None)


def _cle_nom(texte: str) -> str:
    return re.sub(r"[^a-z]", "", sans_accents(texte).casefold())


# ---------------------------------------------------------------------------------------------
# Exécution : lecture, transformation, tableaux, décisions, synthèse, manifeste


@dataclass
class RapportAnnexe5:
    """Ce qu'a fait `executer_annexe5` ; `code_sortie` 0 si tout est écrit, 2 si refus."""

    mesure: str
    annee: int
    export: Path
    sortie: Path
    code_sortie: int = 0
    erreur: str = ""
    source: str = ""
    fichiers: list[Path] = field(default_factory=list)
    totaux: dict[str, LigneSynthese] = field(default_factory=dict)
    exclues: dict[str, int] = field(default_factory=dict)  # autres départements
    ecartees: dict[str, int] = field(default_factory=dict)  # FluxIAE : motif -> lignes
    anomalies: list[str] = field(default_factory=list)

    @property
    def montant_total(self) -> Decimal:
        """Ce que l'ASP verse, toutes décisions de la mesure."""
        return sum((t.montant_net for t in self.totaux.values()), Decimal(0))

    def resume(self) -> str:
        """Résumé en français pour le terminal et le journal du classeur."""
        if self.erreur:
            return f"Annexe 5 ({self.mesure}, {self.annee}) : rien n'a été écrit.\n{self.erreur}"
        source = "FluxIAE de l'ASP" if self.source == "fluxiae" else "export de l'extranet IAE"
        nb = sum(t.nb_structures for t in self.totaux.values())
        lignes = [
            f"Annexe 5 – {self.mesure} – campagne {self.annee} ({source} {self.export.name}) : "
            f"{len(self.totaux)} décision(s) de paiement, {nb} structure(s), "
            f"{montant_fr(self.montant_total)} à verser au total.",
        ]
        for code, total in self.totaux.items():
            ligne = (
                f"  {code} {departements()[code].nom} : {total.nb_structures} structure(s), "
                f"base {montant_fr(total.base)}, montant modulé {montant_fr(total.montant_module)}"
            )
            if total.montant_net != total.montant_module or total.reste_a_deduire:
                ligne += (
                    f", régularisation 2014 {montant_fr(total.regularisation)}, net à verser "
                    f"{montant_fr(total.montant_net)}"
                )
                if total.reste_a_deduire:
                    ligne += (
                        f", reste à déduire de l'aide au poste {montant_fr(total.reste_a_deduire)}"
                    )
            lignes.append(ligne)
        if self.exclues:
            lignes.append(
                "Lignes d'autres départements écartées par le filtre : "
                f"{sum(self.exclues.values())} ("
                + ", ".join(f"{d} : {n}" for d, n in self.exclues.items())
                + ")."
            )
        if self.ecartees:
            lignes.append("Lignes du FluxIAE écartées :")
            lignes += [f"  - {motif} : {n}" for motif, n in self.ecartees.items()]
        lignes += [f"Remarque : {a}" for a in self.anomalies]
        lignes.append(f"Fichiers écrits dans {self.sortie} : {len(self.fichiers)}.")
        return "\n".join(lignes)


def executer_annexe5(
    export: Path,
    mesure: str,
    annee: int,
    sortie: Path,
    *,
    departements: list[str] | None = None,
    resultats: Path | None = None,
    resultats_modifies: bool = False,
    taux_forfaitaire: Decimal | None = None,
    signature: Signature,
    pdf: bool | None = None,
    ecraser: bool = False,
    source: str | None = None,
    entetes: Path | None = None,
    donnees: Path | None = None,
    dossier_parametres: Path | None = None,
) -> RapportAnnexe5:
    """Tableaux `annexe5_<MESURE>_<DEP>.xlsx`, décisions `decision_asp_<MESURE>_<DEP>.docx`
    (et .pdf), `synthese.xlsx` et `manifeste.json` dans `sortie` ; rien n'est écrit si refus.

    `resultats_modifies` : accepte un grand livre modifié après le calcul (chaque document et le
    manifeste le disent). `donnees` : la table des structures, qui nomme celles d'un FluxIAE.
    `pdf` : True exige les PDF, False s'en passe, None (défaut) les
    produit si LibreOffice est installé (`documents.pdf.pdf_a_produire`).
    `dossier_parametres` : le même dossier de paramètres que le calcul."""
    rapport = RapportAnnexe5(
        mesure=normaliser_mesure(mesure), annee=annee, export=Path(export), sortie=Path(sortie)
    )
    try:
        with parametres.surcharge(dossier_parametres):
            _executer(
                rapport,
                departements,
                resultats,
                resultats_modifies,
                taux_forfaitaire,
                signature,
                pdf,
                ecraser,
                source,
                entetes,
                donnees,
            )
    except (ErreurEntree, ErreurSortie, ErreurPDF) as erreur:
        rapport.code_sortie, rapport.erreur = traduire(erreur)
        rapport.fichiers = []
    return rapport


def _executer(
    rapport: RapportAnnexe5,
    codes: list[str] | None,
    resultats: Path | None,
    resultats_modifies: bool,
    forfaitaire: Decimal | None,
    signature: Signature,
    pdf: bool | None,
    ecraser: bool,
    source: str | None,
    entetes: Path | None,
    donnees: Path | None,
) -> None:
    mesure, annee, export = rapport.mesure, rapport.annee, rapport.export
    produire_pdf = pdf_a_produire(pdf)
    if signature.projet:
        rapport.anomalies.append(signature.avertissement())
    if pdf is None and not produire_pdf:
        rapport.anomalies.append(REMARQUE_SANS_LIBREOFFICE)
    if mesure not in MESURES:
        raise ErreurEntree(f"Mesure « {mesure} » inconnue (attendu : {', '.join(MESURES)}).")
    if (resultats is None) == (forfaitaire is None):
        raise ErreurEntree(
            "Indiquez soit le fichier des résultats (--resultats resultats.csv), soit un taux "
            "forfaitaire (--taux-forfaitaire 5), et pas les deux."
        )
    probleme = probleme_annee_campagne(annee) or probleme_date(signature, annee)
    if probleme:
        raise ErreurEntree(probleme)
    retenus = _departements_demandes(codes)
    verifier_fichier_entree(export)
    rapport.source = source or ("fluxiae" if est_fluxiae(export) else "extranet")
    if rapport.source not in ("fluxiae", "extranet"):
        raise ErreurEntree(f"Source « {rapport.source} » inconnue (extranet ou fluxiae).")
    if resultats:
        montants: Forfait | Livre = Livre(
            lire_grand_livre(resultats, annee, accepter_modifie=resultats_modifies), mesure
        )
    else:
        montants = taux_forfaitaire(forfaitaire, annee)
    if rapport.source == "fluxiae":
        table = lire_fluxiae(export, mesure, annee, annuaire(montants, donnees, annee))
    else:
        table = lire_export_extranet(export, mesure, entetes_yaml=entetes)
    transformation = transformer(table, montants, annee, retenus)
    if not transformation.tableaux:
        raise ErreurEntree(
            f"{table.lieu} : aucune structure {mesure} à retenir"
            + (f" pour les départements {', '.join(retenus)}" if retenus else "")
            + " ; aucune décision à établir."
        )
    rapport.exclues, rapport.ecartees = transformation.exclues, dict(table.ecartees)
    if not resultats and annee != ANNEE_FORFAIT:
        transformation.remarques.append(
            f"taux forfaitaire appliqué à la campagne {annee} : la note DGEFP 2014-04 ne le "
            f"prévoit que pour {ANNEE_FORFAIT} ; à partir de 2015, utilisez --resultats."
        )
    if montants.modifie:
        transformation.remarques.append(montants.modifie)
    rapport.anomalies += transformation.remarques
    entrees = {"export": export, "resultats": resultats, "entetes": entetes, "donnees": donnees}
    mots = mots_de_la_campagne(annee, signature.date)
    mention = montants.grand_livre.mention_courte if isinstance(montants, Livre) else ""
    with (
        dossier_atomique(rapport.sortie, ecraser, entrees.values()) as dossier,
        mention_sur_chaque_page(mention),
    ):
        noms = _ecrire_sorties(
            dossier,
            transformation,
            montants,
            annee,
            signature,
            produire_pdf,
            rapport,
            pdf is True,
            mots,
        )
        rapport.anomalies += mots.signalements()
        ecrire_manifeste(
            dossier,
            commande="annexe5",
            entrees=entrees,
            options={
                "mesure": mesure,
                "annee": annee,
                "source": rapport.source,
                "departements": retenus or "tous",
                "taux_forfaitaire": forfaitaire,
                "pdf": produire_pdf,
                "signataire": signature.signataire,
                "projet": signature.projet,
                "resultats_modifies": montants.modifie or False,
            },
            parametres=mots.pour_le_manifeste(),
            alertes=mots.signalements(),
        )
    rapport.fichiers = [rapport.sortie / nom for nom in [*noms, "manifeste.json"]]


def annuaire(montants: Forfait | Livre, donnees: Path | None, annee: int) -> dict | None:
    """SIRET, raison sociale et commune par n° d'annexe (sans avenant), pour nommer les
    structures d'un FluxIAE : celles du grand livre du calcul (une table des structures donnée
    en plus doit dire la même chose, `identites.verifier_donnees`), sinon, au taux forfaitaire,
    la table des structures (`--donnees`) ; None sans l'un ni l'autre."""
    if isinstance(montants, Livre):
        if donnees is not None:
            verifier_donnees(montants.grand_livre, Path(donnees), annee)
        lignes = montants.grand_livre.lignes
    elif donnees is not None:
        lignes = lire_donnees(Path(donnees), annee).table.to_dict("records")
    else:
        return None
    return {cle_annexe(ligne["identifiant"]): ligne for ligne in lignes}


def _departements_demandes(codes: list[str] | None) -> list[str] | None:
    if not codes:
        return None
    retenus, inconnus = [], []
    for code in codes:
        normalise = normaliser_departement(code)
        (retenus if normalise else inconnus).append(normalise or code)
    if inconnus:
        raise ErreurEntree(f"Département(s) inconnu(s) : {', '.join(inconnus)}.")
    return list(dict.fromkeys(retenus))


def _ecrire_sorties(
    dossier: Path,
    transformation: Transformation,
    montants: Forfait | Livre,
    annee: int,
    signature: Signature,
    pdf: bool,
    rapport: RapportAnnexe5,
    pdf_exige: bool = False,
    mots: MotsDates | None = None,
) -> list[str]:
    """Écrit tableaux, décisions (et PDF), synthèse ; renvoie les noms des fichiers écrits.
    Avec `pdf_exige` (option --pdf), une conversion qui échoue fait tout échouer (code 1,
    rien d'écrit), comme pour les notifications."""
    noms: list[str] = []
    decisions = []
    for code, tableau in transformation.tableaux.items():
        departement = departements()[code]
        nom = nom_fichier_tableau(tableau.mesure, code)
        mention = " ".join(m for m in (signature.mention_projet(), montants.modifie) if m)
        ecrire_tableau(tableau, dossier / nom, annee, montants.phrase(code, mots), mention)
        noms.append(nom)
        rapport.totaux[code] = LigneSynthese(
            code,
            tableau.mesure,
            tableau.nb_structures,
            tableau.base_totale,
            tableau.total("montant_module"),
            tableau.total("regularisation"),
            tableau.montant_total,
            tableau.total("reste_a_deduire"),
        )
        decisions.append(
            DecisionASP(
                mesure=tableau.mesure,
                departement=code,
                nom_departement=departement.nom,
                region=departement.region,
                annee=annee,
                nb_structures=tableau.nb_structures,
                montant_total=tableau.montant_total,
                montant_module=tableau.total("montant_module"),
                regularisation=tableau.total("regularisation"),
                reste_a_deduire=tableau.total("reste_a_deduire"),
                avec_regularisation=tableau.avec_regularisation,
                base_du_taux=montants.phrase(code, mots),
                phrase_methode=montants.phrase_methode(code),
                colonnes=tableau.colonnes,
                lignes=lignes_en_texte(tableau),
                signature=signature,
                mention_modifie=montants.modifie,
                mots=mots,
            )
        )
    docx = rendre_decisions_asp(decisions, dossier)
    noms += [p.name for p in docx]
    if pdf:
        noms += _pdf(docx, dossier, rapport, pdf_exige)
    ecarts = {f"autre département ({d})": n for d, n in transformation.exclues.items()}
    ecrire_synthese(
        list(rapport.totaux.values()),
        dossier / "synthese.xlsx",
        annee,
        {**ecarts, **rapport.ecartees},
    )
    noms.append("synthese.xlsx")
    return noms


def nom_fichier_tableau(mesure: str, departement: str) -> str:
    return f"annexe5_{nom_de_fichier_sur(mesure)}_{nom_de_fichier_sur(departement)}.xlsx"


def _pdf(docx: list[Path], dossier: Path, rapport: RapportAnnexe5, exige: bool) -> list[str]:
    """Les PDF (LibreOffice, un processus par cœur) ; en cas d'échec, les .docx restent et
    c'est signalé."""
    lot = dossier / ".pdf"
    try:
        produits = convertir_en_pdf(docx, lot)
    except ErreurPDF as erreur:
        shutil.rmtree(lot, ignore_errors=True)
        if exige:
            raise ErreurPDF(
                f"Aucun document écrit, la conversion en PDF a échoué : {erreur}"
            ) from None
        rapport.anomalies.append(f"PDF non produits : {erreur}")
        return []
    noms = []
    for chemin in produits:
        chemin.replace(dossier / chemin.name)
        noms.append(chemin.name)
    lot.rmdir()
    return noms


def lignes_en_texte(tableau: TableauAnnexe5) -> list[list[str]]:
    """Le tableau en texte français pour la décision Word, avec sa ligne de total (montants
    seulement, jamais un montant par poste ni un nombre de postes)."""
    lignes = [
        [
            c
            if not isinstance(c, Decimal)
            else montant_fr(c)
            if j in tableau.montants
            else nombre_fr(c)
            for j, c in enumerate(ligne)
        ]
        for ligne in tableau.lignes
    ]
    total = ["Total"] + [""] * (len(tableau.colonnes) - 1)
    for colonne in tableau.totaux:
        total[colonne] = montant_fr(
            sum(
                (ligne[colonne] for ligne in tableau.lignes if isinstance(ligne[colonne], Decimal)),
                Decimal(0),
            )
        )
    return [*lignes, total]


# ---------------------------------------------------------------------------------------------
# Démonstration

DOSSIER_EXEMPLES = Path(__file__).resolve().parent / "demo" / "exports"


def demo_annexe5(dossier: Path, resultats_csv: Path, *, pdf: bool | None = None) -> str:
    """Les exports d'exemple des cinq mesures traités avec le grand livre de la démo : un
    sous-dossier par mesure et une `synthese.xlsx` commune ; renvoie le résumé en français."""
    dossier = Path(dossier)
    signature = signature_demo()
    resumes, lignes, ecartees = [], [], {}
    for mesure, nom in FICHIERS_DEMO.items():
        rapport = executer_annexe5(
            DOSSIER_EXEMPLES / nom,
            mesure,
            ANNEE_DEMO,
            dossier / mesure,
            resultats=resultats_csv,
            signature=signature,
            pdf=pdf,
            ecraser=True,
        )
        resumes.append(rapport.resume())
        lignes += list(rapport.totaux.values())
        ecartees |= {f"{mesure} : {motif}": n for motif, n in rapport.ecartees.items()}
    if lignes:
        commune = dossier / "synthese.xlsx"
        if not classeur_remplacable(commune, TITRE_SYNTHESE):
            resumes.append(f"{commune} n'est pas une synthèse de l'outil : il n'est pas remplacé.")
            return "\n\n".join(resumes)
        temporaire = dossier / ".synthese.xlsx"
        ecrire_synthese(lignes, temporaire, ANNEE_DEMO, ecartees)
        temporaire.replace(commune)
        total = sum((ligne.montant_net for ligne in lignes), Decimal(0))
        resumes.append(
            f"Synthèse des {len(FICHIERS_DEMO)} mesures : {len(lignes)} décision(s), "
            f"{montant_fr(total)} à verser ({dossier / 'synthese.xlsx'})."
        )
    return "\n\n".join(resumes)
