"""Annexe 5 de la note DGEFP n° 2014-04 : le tableau départemental joint à la décision de paiement.

Les étapes de la note (« Modèles de décision de paiement à destination de l'ASP »), par mesure :
- EI : filtrer le département ; supprimer « no Présage » ; supprimer les colonnes à partir de
  « Montant prévu de l'Aide FSE=AE » ; ajouter « Montant modulé prévu » = taux × « Montant prévu
  de l'aide de l'Etat = AE ».
- ETTI : filtrer ; ajouter « Montant modulé prévu » (les suppressions sont réservées aux EI).
- AI, ACI : filtrer ; garder les premières colonnes jusqu'à « date fin effet annexe » ; supprimer
  de « Nombre de postes conventionnés » à « Date de fin d'effet de l'aide au poste » ; garder
  « Montant total de l'aide au poste » et supprimer le reste ; pour les ACI, vérifier d'abord que
  « Dont cofinancé par le conseil général » est renseigné partout ; ajouter « Montant prévu
  modulation » = taux × « Montant total de l'aide au poste ».
Le taux est 5 % en 2014, puis le taux individuel de chaque structure (résultats du calcul).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.documents.decision_asp import DecisionASP, rendre_decisions_asp
from iae_modulation.documents.pdf import ErreurPDF, convertir_en_pdf, libreoffice_disponible
from iae_modulation.documents.signature import Signature
from iae_modulation.erreurs import traduire
from iae_modulation.exports.classeurs_asp import LigneSynthese, ecrire_synthese, ecrire_tableau
from iae_modulation.exports.entetes import normaliser_entete
from iae_modulation.exports.exemples import ANNEE_DEMO, FICHIERS_DEMO
from iae_modulation.exports.extranet import lire_export_extranet
from iae_modulation.exports.fluxiae import est_fluxiae, lire_fluxiae
from iae_modulation.exports.table import TableExport
from iae_modulation.formats import arrondi_centime, montant_fr, taux_fr
from iae_modulation.lecture import lire_nombre
from iae_modulation.referentiel import (
    departements,
    lire_numero_annexe,
    normaliser_departement,
    probleme_annee_campagne,
    sans_accents,
)
from iae_modulation.resultats import lire_resultats_csv
from iae_modulation.sorties import (
    ErreurEntree,
    ErreurSortie,
    dossier_atomique,
    ecrire_manifeste,
    nom_de_fichier_sur,
    verifier_fichier_entree,
)

MESURES = ("EI", "ETTI", "AI", "ACI")
ENTETE_MODULE = {
    "EI": "Montant modulé prévu",
    "ETTI": "Montant modulé prévu",
    "AI": "Montant prévu modulation",
    "ACI": "Montant prévu modulation",
}
TAUX_MAX = Decimal("0.10")  # le montant modulé va de 0 à 10 % du socle (note 2014-04)
NOTE = "note DGEFP n° 2014-04 du 10 octobre 2014"


class RefusAnnexe5(ErreurEntree):
    """Export inutilisable pour les tableaux : la liste des problèmes est dans le message."""


# ---------------------------------------------------------------------------------------------
# Taux appliqués


@dataclass(frozen=True)
class TauxStructure:
    """Le taux d'une structure ; avec `resultats.csv`, aussi le socle et le montant calculés."""

    taux: Decimal
    montant_socle: Decimal | None = None
    montant_module: Decimal | None = None

    @property
    def taux_effectif(self) -> Decimal:
        """Montant modulé / socle : le taux, réduit le cas échéant par l'enveloppe régionale."""
        if self.montant_socle and self.montant_module is not None:
            return self.montant_module / self.montant_socle
        return self.taux

    def montant(self, base: Decimal) -> Decimal:
        """Taux × base au centime ; exactement le montant calculé si la base est le même socle."""
        if self.montant_module is not None and self.montant_socle == base:
            return self.montant_module
        return arrondi_centime(base * self.taux_effectif)


@dataclass(frozen=True)
class Taux:
    """Taux forfaitaire (2014 : 5 %) ou taux individuels lus dans `resultats.csv`."""

    forfaitaire: Decimal | None = None
    par_annexe: dict[str, TauxStructure | None] = field(default_factory=dict)
    par_siret: dict[str, TauxStructure | None] = field(default_factory=dict)
    sirets_ambigus: frozenset[str] = frozenset()  # SIRET portés par plusieurs structures
    fichier: str = ""

    def phrase(self) -> str:
        """La base du taux, en une phrase pour la décision et le tableau."""
        if self.forfaitaire is not None:
            return (
                "Le montant modulé de chaque structure est égal à "
                f"{taux_fr(self.forfaitaire)} du montant socle de l'aide au poste conventionnée "
                f"({NOTE})."
            )
        return (
            "Le montant modulé de chaque structure est égal à son montant socle multiplié par "
            "son taux de modulation (de 0 à 10 %), déterminé au vu des caractéristiques des "
            "publics embauchés, des efforts d'insertion et des résultats obtenus (articles "
            "R. 5132-8, R. 5132-10-12, R. 5132-23 et R. 5132-37 du code du travail ; "
            f"{NOTE}, annexe 2), dans la limite de l'enveloppe régionale."
        )

    def chercher(self, annexe: str, siret: str) -> tuple[TauxStructure | None, str]:
        """(taux de la structure, motif s'il manque) pour une ligne de l'export."""
        if self.forfaitaire is not None:
            return TauxStructure(self.forfaitaire), ""
        if annexe:
            cle = cle_annexe(annexe)
            if cle not in self.par_annexe:
                return None, f"n° d'annexe {annexe} absent de {self.fichier}"
            trouve = self.par_annexe[cle]
        elif siret:
            cle = cle_siret(siret)
            if cle not in self.par_siret:
                return None, f"SIRET {siret} absent de {self.fichier}"
            if cle in self.sirets_ambigus:
                return None, f"SIRET {siret} porté par plusieurs structures dans {self.fichier}"
            trouve = self.par_siret[cle]
        else:
            return None, "ni n° d'annexe financière ni SIRET pour la retrouver"
        if trouve is None:
            return None, f"taux de modulation vide dans {self.fichier}"
        return trouve, ""


def taux_forfaitaire(pourcentage: Decimal) -> Taux:
    """`--taux-forfaitaire 5` : 5 % pour toutes les structures (campagne 2014)."""
    taux = Decimal(pourcentage) / 100
    if not 0 <= taux <= TAUX_MAX:
        raise ErreurEntree(
            f"Taux forfaitaire de {pourcentage} % refusé : le montant modulé va de 0 à 10 % du "
            "montant socle."
        )
    return Taux(forfaitaire=taux)


def taux_des_resultats(chemin: Path, mesure: str, annee: int | None = None) -> Taux:
    """Taux individuels de `resultats.csv`, par n° d'annexe (sans avenant) et par SIRET ;
    refusés s'ils viennent du calcul d'une autre campagne que `annee`."""
    resultats = lire_resultats_csv(Path(chemin), annee)
    par_annexe: dict[str, TauxStructure | None] = {}
    par_siret: dict[str, TauxStructure | None] = {}
    ambigus: set[str] = set()
    for ligne in resultats.to_dict("records"):
        trouve = None
        if ligne["taux_modulation"] is not None:
            trouve = TauxStructure(
                ligne["taux_modulation"], ligne["montant_socle"], ligne["montant_module"]
            )
        par_annexe[cle_annexe(ligne["identifiant"])] = trouve
        if ligne["type"] != mesure or not ligne["siret"]:
            continue
        cle = cle_siret(ligne["siret"])
        if cle in par_siret:
            ambigus.add(cle)
        else:
            par_siret[cle] = trouve
    return Taux(
        par_annexe=par_annexe,
        par_siret=par_siret,
        sirets_ambigus=frozenset(ambigus),
        fichier=Path(chemin).name,
    )


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
    lignes: list[list[str | Decimal]] = field(default_factory=list)
    bases: list[Decimal] = field(default_factory=list)
    taux: list[Decimal] = field(default_factory=list)
    modules: list[Decimal] = field(default_factory=list)  # montant modulé de chaque ligne
    noms: list[str] = field(default_factory=list)  # désignation de chaque ligne (contrôle)
    structures: set[str] = field(default_factory=set)

    @property
    def nb_structures(self) -> int:
        return len(self.structures)

    @property
    def base_totale(self) -> Decimal:
        return sum(self.bases, Decimal(0))

    @property
    def montant_total(self) -> Decimal:
        return sum(self.modules, Decimal(0))


@dataclass
class Transformation:
    tableaux: dict[str, TableauAnnexe5]
    exclues: dict[str, int]  # département -> lignes écartées par le filtre
    remarques: list[str]


def colonnes_conservees(table: TableExport) -> list[int]:
    """Étapes 2 à 4 de la note, sur les positions trouvées par en-tête (pas par lettre)."""
    toutes = list(range(len(table.entetes)))
    if table.source != "extranet" or table.mesure == "ETTI":
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


def transformer(
    table: TableExport, taux: Taux, departements_retenus: list[str] | None = None
) -> Transformation:
    """Applique les étapes de la note ; lève `RefusAnnexe5` avec tous les problèmes à la fois."""
    gardees = colonnes_conservees(table)
    colonnes = [table.entetes[i] for i in gardees] + [ENTETE_MODULE[table.mesure]]
    montants = {n for n, i in enumerate(gardees) if i in table.montants} | {len(gardees)}
    erreurs: list[str] = []
    sans_taux: list[str] = []
    cofinancement_vide: list[str] = []
    exclues: Counter[str] = Counter()
    tableaux: dict[str, TableauAnnexe5] = {}
    totaux_ignores = 0
    bases_differentes: list[str] = []
    for index, ligne in enumerate(table.lignes):
        if not any(c.strip() for c in ligne):
            continue
        if _est_ligne_de_total(table, ligne):
            totaux_ignores += 1
            continue
        lieu = f"{table.lieu}, ligne {table.numeros[index]}"
        departement = departement_de(table.valeur(ligne, "departement"))
        if departement is None:
            erreurs.append(
                f"{lieu}, colonne « {table.entetes[table.positions['departement']]} » : "
                f"département « {table.valeur(ligne, 'departement')} » inconnu."
            )
            continue
        if departements_retenus is not None and departement not in departements_retenus:
            exclues[departement] += 1
            continue
        if table.mesure == "ACI" and table.valeur(ligne, "cofinancement_cg") == "":
            cofinancement_vide.append(table.nom(index))
        base = _montant(table, ligne, "base", lieu, erreurs)
        if table.mesure == "ACI":
            _montant(table, ligne, "cofinancement_cg", lieu, erreurs, vide_permis=True)
        annexe = table.valeur(ligne, "numero_annexe")
        taux_ligne, motif = taux.chercher(annexe, table.valeur(ligne, "siret"))
        if taux_ligne is None:
            sans_taux.append(f"{table.nom(index)} : {motif}")
        if base is None or taux_ligne is None:
            continue
        tableau = tableaux.setdefault(
            departement, TableauAnnexe5(table.mesure, departement, colonnes, montants)
        )
        cellules: list[str | Decimal] = [_cellule(ligne[i], i in table.montants) for i in gardees]
        module = taux_ligne.montant(base)
        if taux_ligne.montant_socle is not None and taux_ligne.montant_socle != base:
            bases_differentes.append(
                f"{table.nom(index)} : {montant_fr(base)} dans l'export, "
                f"{montant_fr(taux_ligne.montant_socle)} dans {taux.fichier}"
            )
        cellules.append(module)
        tableau.lignes.append(cellules)
        tableau.modules.append(module)
        tableau.bases.append(base)
        tableau.taux.append(taux_ligne.taux_effectif)
        tableau.noms.append(table.nom(index))
        tableau.structures.add(cle_annexe(annexe) if annexe else f"ligne {table.numeros[index]}")
    _refuser_si_besoin(table, erreurs, cofinancement_vide, sans_taux)
    remarques = list(table.remarques)
    if bases_differentes:
        remarques.append(
            f"{len(bases_differentes)} structure(s) dont la base de l'export diffère du montant "
            "socle du calcul (montant modulé = taux × base de l'export) :\n"
            + "\n".join(f"  - {b}" for b in bases_differentes)
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


def _refuser_si_besoin(
    table: TableExport, erreurs: list[str], cofinancement_vide: list[str], sans_taux: list[str]
) -> None:
    parties = []
    if cofinancement_vide:
        entete = table.entetes[table.positions["cofinancement_cg"]]
        parties.append(
            f"Colonne « {entete} » vide pour {len(cofinancement_vide)} ligne(s) : la note demande "
            "de vérifier qu'elle est complétée avant de supprimer les colonnes (0 est une valeur, "
            "une case vide ne l'est pas) :\n" + "\n".join(f"  - {n}" for n in cofinancement_vide)
        )
    if sans_taux:
        parties.append(
            f"{len(sans_taux)} structure(s) sans taux de modulation (aucun montant n'est mis à 0 "
            "en silence) :\n" + "\n".join(f"  - {n}" for n in sans_taux)
        )
    if erreurs:
        parties.append(
            f"{len(erreurs)} cellule(s) illisible(s) :\n" + "\n".join(f"  - {e}" for e in erreurs)
        )
    if parties:
        raise RefusAnnexe5(
            f"{table.lieu} : tableaux de l'annexe 5 ({table.mesure}) non établis.\n"
            + "\n".join(parties)
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
        return lire_nombre(texte)
    except ValueError:
        erreurs.append(f"{lieu}, colonne « {entete} » : « {texte} » n'est pas un montant.")
        return None


def _cellule(texte: str, montant: bool) -> str | Decimal:
    """Un montant lisible devient Decimal (format € dans le classeur) ; le reste reste du texte,
    un nombre décimal lu d'Excel (« 12.91 ») étant écrit à la française (« 12,91 »)."""
    if montant and texte.strip():
        try:
            return lire_nombre(texte)
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


@dataclass(frozen=True)
class TotalDepartement:
    nb_structures: int
    base: Decimal
    montant_module: Decimal


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
    totaux: dict[str, TotalDepartement] = field(default_factory=dict)
    exclues: dict[str, int] = field(default_factory=dict)  # autres départements
    ecartees: dict[str, int] = field(default_factory=dict)  # FluxIAE : motif -> lignes
    anomalies: list[str] = field(default_factory=list)

    @property
    def montant_total(self) -> Decimal:
        return sum((t.montant_module for t in self.totaux.values()), Decimal(0))

    def resume(self) -> str:
        """Résumé en français pour le terminal et le journal du classeur."""
        if self.erreur:
            return f"Annexe 5 ({self.mesure}, {self.annee}) : rien n'a été écrit.\n{self.erreur}"
        source = "FluxIAE de l'ASP" if self.source == "fluxiae" else "export de l'extranet IAE"
        nb = sum(t.nb_structures for t in self.totaux.values())
        lignes = [
            f"Annexe 5 – {self.mesure} – campagne {self.annee} ({source} {self.export.name}) : "
            f"{len(self.totaux)} décision(s) de paiement, {nb} structure(s), "
            f"{montant_fr(self.montant_total)} au total.",
        ]
        for code, total in self.totaux.items():
            lignes.append(
                f"  {code} {departements()[code].nom} : {total.nb_structures} structure(s), "
                f"base {montant_fr(total.base)}, montant modulé {montant_fr(total.montant_module)}"
            )
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


ANNEE_FORFAIT = 2014  # note DGEFP 2014-04 : 5 % forfaitaire pour l'année de transition


def executer_annexe5(
    export: Path,
    mesure: str,
    annee: int,
    sortie: Path,
    *,
    departements: list[str] | None = None,
    resultats: Path | None = None,
    taux_forfaitaire: Decimal | None = None,
    signature: Signature,
    pdf: bool = True,
    ecraser: bool = False,
    source: str | None = None,
    entetes: Path | None = None,
) -> RapportAnnexe5:
    """Tableaux `annexe5_<MESURE>_<DEP>.xlsx`, décisions `decision_asp_<MESURE>_<DEP>.docx`
    (et .pdf), `synthese.xlsx` et `manifeste.json` dans `sortie` ; rien n'est écrit si refus."""
    rapport = RapportAnnexe5(mesure=mesure, annee=annee, export=Path(export), sortie=Path(sortie))
    try:
        _executer(
            rapport,
            departements,
            resultats,
            taux_forfaitaire,
            signature,
            pdf,
            ecraser,
            source,
            entetes,
        )
    except (ErreurEntree, ErreurSortie) as erreur:
        rapport.code_sortie, rapport.erreur = traduire(erreur)
        rapport.fichiers = []
    return rapport


def _executer(
    rapport: RapportAnnexe5,
    codes: list[str] | None,
    resultats: Path | None,
    forfaitaire: Decimal | None,
    signature: Signature,
    pdf: bool,
    ecraser: bool,
    source: str | None,
    entetes: Path | None,
) -> None:
    mesure, annee, export = rapport.mesure, rapport.annee, rapport.export
    if mesure not in MESURES:
        raise ErreurEntree(f"Mesure « {mesure} » inconnue (attendu : {', '.join(MESURES)}).")
    if (resultats is None) == (forfaitaire is None):
        raise ErreurEntree(
            "Indiquez soit le fichier des résultats (--resultats resultats.csv), soit un taux "
            "forfaitaire (--taux-forfaitaire 5), et pas les deux."
        )
    probleme = probleme_annee_campagne(annee)
    if probleme:
        raise ErreurEntree(probleme)
    retenus = _departements_demandes(codes)
    verifier_fichier_entree(export)
    rapport.source = source or ("fluxiae" if est_fluxiae(export) else "extranet")
    if rapport.source == "fluxiae":
        table = lire_fluxiae(export, mesure, annee)
    elif rapport.source == "extranet":
        table = lire_export_extranet(export, mesure, entetes_yaml=entetes)
    else:
        raise ErreurEntree(f"Source « {rapport.source} » inconnue (extranet ou fluxiae).")
    if resultats:
        taux = taux_des_resultats(resultats, mesure, annee)
    else:
        taux = taux_forfaitaire(forfaitaire)
    transformation = transformer(table, taux, retenus)
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
    rapport.anomalies = list(transformation.remarques)
    with dossier_atomique(rapport.sortie, ecraser, (export, resultats, entetes)) as dossier:
        noms = _ecrire_sorties(dossier, transformation, taux, annee, signature, pdf, rapport)
        ecrire_manifeste(
            dossier,
            commande="annexe5",
            entrees={"export": export, "resultats": resultats, "entetes": entetes},
            options={
                "mesure": mesure,
                "annee": annee,
                "source": rapport.source,
                "departements": retenus or "tous",
                "taux_forfaitaire": forfaitaire,
                "pdf": pdf,
                "signataire": signature.signataire,
            },
        )
    rapport.fichiers = [rapport.sortie / nom for nom in [*noms, "manifeste.json"]]


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
    taux: Taux,
    annee: int,
    signature: Signature,
    pdf: bool,
    rapport: RapportAnnexe5,
) -> list[str]:
    """Écrit tableaux, décisions (et PDF), synthèse ; renvoie les noms des fichiers écrits."""
    noms: list[str] = []
    decisions = []
    lignes_synthese = []
    for code, tableau in transformation.tableaux.items():
        departement = departements()[code]
        nom = f"annexe5_{nom_de_fichier_sur(tableau.mesure)}_{nom_de_fichier_sur(code)}.xlsx"
        ecrire_tableau(tableau, dossier / nom, annee, taux.phrase())
        noms.append(nom)
        total = TotalDepartement(tableau.nb_structures, tableau.base_totale, tableau.montant_total)
        rapport.totaux[code] = total
        lignes_synthese.append(
            LigneSynthese(
                code, tableau.mesure, total.nb_structures, total.base, total.montant_module
            )
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
                base_du_taux=taux.phrase(),
                colonnes=tableau.colonnes,
                lignes=lignes_en_texte(tableau),
                signature=signature,
            )
        )
    docx = rendre_decisions_asp(decisions, dossier)
    noms += [p.name for p in docx]
    if pdf:
        noms += _pdf(docx, dossier, rapport)
    ecarts = {f"autre département ({d})": n for d, n in transformation.exclues.items()}
    ecrire_synthese(
        lignes_synthese, dossier / "synthese.xlsx", annee, {**ecarts, **rapport.ecartees}
    )
    noms.append("synthese.xlsx")
    return noms


def _pdf(docx: list[Path], dossier: Path, rapport: RapportAnnexe5) -> list[str]:
    """Les PDF en un seul lot LibreOffice ; en cas d'échec, les .docx restent et c'est signalé."""
    if not libreoffice_disponible():
        rapport.anomalies.append(
            "PDF non produits : LibreOffice n'est pas installé (les décisions .docx sont écrites)."
        )
        return []
    lot = dossier / ".pdf"
    try:
        produits = convertir_en_pdf(docx, lot)
    except ErreurPDF as erreur:
        shutil.rmtree(lot, ignore_errors=True)
        rapport.anomalies.append(f"PDF non produits : {erreur}")
        return []
    noms = []
    for chemin in produits:
        chemin.replace(dossier / chemin.name)
        noms.append(chemin.name)
    lot.rmdir()
    return noms


def lignes_en_texte(tableau: TableauAnnexe5) -> list[list[str]]:
    """Le tableau en texte français pour la décision Word, avec sa ligne de total."""
    lignes = [
        [montant_fr(c) if isinstance(c, Decimal) else c for c in ligne] for ligne in tableau.lignes
    ]
    total = ["Total"] + [""] * (len(tableau.colonnes) - 1)
    for colonne in tableau.montants:
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


def demo_annexe5(dossier: Path, resultats_csv: Path, *, pdf: bool = True) -> str:
    """Les quatre exports d'exemple (EI, ETTI, AI, ACI) traités avec les taux de la démo :
    un sous-dossier par mesure et une `synthese.xlsx` commune ; renvoie le résumé en français."""
    dossier = Path(dossier)
    signature = Signature(lieu="Strasbourg", signataire="Signataire de démonstration")
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
        lignes += [
            LigneSynthese(code, mesure, t.nb_structures, t.base, t.montant_module)
            for code, t in rapport.totaux.items()
        ]
        ecartees |= {f"{mesure} : {motif}": n for motif, n in rapport.ecartees.items()}
    if lignes:
        temporaire = dossier / ".synthese.xlsx"
        ecrire_synthese(lignes, temporaire, ANNEE_DEMO, ecartees)
        temporaire.replace(dossier / "synthese.xlsx")
        total = sum((ligne.montant_module for ligne in lignes), Decimal(0))
        resumes.append(
            f"Synthèse des quatre mesures : {len(lignes)} décision(s), {montant_fr(total)} "
            f"({dossier / 'synthese.xlsx'})."
        )
    return "\n\n".join(resumes)
