"""Les étapes de la note DGEFP n° 2014-04 (annexe 5) appliquées à un export : filtre du
département, colonnes supprimées, montant ajouté ; tous les problèmes refusés en une fois."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from iae_modulation.annexe5.montants import Forfait, Livre, cle_annexe, cle_siret
from iae_modulation.annexe5.tableaux import PartieExport, TableauAnnexe5, etablir_tableau
from iae_modulation.exports.entetes import normaliser_entete
from iae_modulation.exports.table import TableExport
from iae_modulation.lecture import (
    CelluleEnErreur,
    NombreAmbigu,
    est_erreur_excel,
    lire_montant,
    lire_nombre,
    message_cellule_en_erreur,
)
from iae_modulation.referentiel import (
    departements,
    normaliser_departement,
    sans_accents,
)
from iae_modulation.sorties import (
    ErreurEntree,
)


class RefusAnnexe5(ErreurEntree):
    """Export inutilisable pour les tableaux : la liste des problèmes est dans le message."""


@dataclass
class Transformation:
    tableaux: dict[str, TableauAnnexe5]
    exclues: dict[str, int]  # département -> lignes écartées par le filtre
    remarques: list[str]


# Colonnes de l'état de paiement de l'aide au poste (« Tableau de suivi des annexes
# financières ») : la note ne les retire que pour les EI ; gardées dans le tableau des ETTI, elles
# mettraient le « Reste à payer » du socle à côté du montant modulé.
ETAT_DE_PAIEMENT = (
    "no_presage",
    "montant_fse",
    "montant_total_prevu",
    "montant_paye",
    "reste_a_payer",
)


def colonnes_conservees(table: TableExport, colonnes_de_la_note: bool = False) -> list[int]:
    """Étapes 2 à 4 de la note, sur les positions trouvées par en-tête (pas par lettre). Les
    ETTI et EITI sont coupés comme les EI, sauf `colonnes_de_la_note` (toutes les colonnes,
    comme la note l'écrit pour les ETTI)."""
    toutes = list(range(len(table.entetes)))
    if table.source == "fluxiae":  # déjà dans la forme de la note ; le cofinancement, vérifié
        return [i for i in toutes if i != table.positions.get("cofinancement_cg")]
    p = table.positions
    if table.mesure in ("ETTI", "EITI"):
        if colonnes_de_la_note:
            return toutes
        retirees = {p[cle] for cle in ETAT_DE_PAIEMENT if cle in p}
        fin = p.get("montant_fse", len(toutes))
        gardees = [i for i in toutes if i < fin and i not in retirees]
        return gardees if p["base"] in gardees else [*gardees, p["base"]]
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
    colonnes_de_la_note: bool = False,
) -> Transformation:
    """Applique les étapes de la note ; lève `RefusAnnexe5` avec tous les problèmes à la fois."""
    gardees = colonnes_conservees(table, colonnes_de_la_note)
    partie = partie_gardee(table, gardees)
    problemes = _Problemes()
    exclues: Counter[str] = Counter()
    brouillons: dict[str, tuple[list, list]] = {}  # département -> (cellules, paiements)
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
        paiement, motif = source.paiement(
            base, annexe, siret, table.nom(index), departement, partial(_cellule_de, table, lieu)
        )
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
        cellules, paiements = brouillons.setdefault(departement, ([], []))
        cellules.append(_cellules(table, ligne, gardees, lieu, problemes.cellules))
        paiements.append(paiement)
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
        absents = [d for d in departements_retenus if d not in brouillons]
        if absents:
            remarques.append(
                f"Aucune structure {table.mesure} dans l'export pour : "
                + ", ".join(f"{d} ({departements()[d].nom})" for d in absents)
                + " ; pas de décision pour ce(s) département(s)."
            )
    rang = {code: n for n, code in enumerate(departements())}
    tableaux = {
        d: etablir_tableau(table.mesure, d, partie, *brouillons[d])
        for d in sorted(brouillons, key=rang.__getitem__)
    }
    return Transformation(tableaux, dict(exclues), remarques)


def partie_gardee(table: TableExport, gardees: list[int]) -> PartieExport:
    """Les colonnes gardées de l'export, renumérotées dans le tableau."""
    place = {i: n for n, i in enumerate(gardees)}
    return PartieExport(
        [table.entetes[i] for i in gardees],
        {place[i] for i in table.montants if i in place},
        {place[i] for i in table.unitaires if i in place},
        {place[i] for i in table.nombres if i in place},
        tuple(
            sorted(
                place[table.positions[c]]
                for c in ("raison_sociale", "numero_annexe")
                if table.positions.get(c) in place
            )
        ),
    )


def _cellule_de(table: TableExport, lieu: str, cle: str) -> str:
    """« EI.xlsx, feuille « Export », ligne 7, colonne « N° SIRET » » : la cellule de la ligne
    (`lieu`) dans la colonne du rôle `cle`."""
    return f"{lieu}, colonne « {table.entetes[table.positions[cle]]} »"


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
