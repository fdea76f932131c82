"""Une campagne de modulation : entrées + paramètres -> résultats, synthèse et manifeste.

Porte unique du calcul pour la ligne de commande et pour le classeur Excel (docs/conception.md,
« La maison »).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from iae_modulation import parametres
from iae_modulation.classeur_resultats import ecrire_resultats_xlsx
from iae_modulation.donnees import LIGNES_DE_TITRE, ecrire_anomalies_xlsx, lire_donnees
from iae_modulation.erreurs import traduire
from iae_modulation.formats import montant_fr, taux_fr
from iae_modulation.lecture import (
    CelluleEnErreur,
    NombreAmbigu,
    TableBrute,
    est_erreur_excel,
    lire_montant,
    lire_nombre,
    lire_table,
    message_cellule_en_erreur,
)
from iae_modulation.methode import GROUPES, Methode
from iae_modulation.modulation import (
    CalculModulation,
    ErreurCalcul,
    OptionsCalcul,
    calculer_modulation,
)
from iae_modulation.parametres import ErreurParametre
from iae_modulation.precedent import CampagnePrecedente, lire_campagne_precedente
from iae_modulation.progression import progression
from iae_modulation.referentiel import (
    normaliser_region,
    probleme_annee_campagne,
    regions,
    sans_accents,
)
from iae_modulation.regularisation import Versement2014, cle_versement
from iae_modulation.resultats import ecrire_resultats_csv
from iae_modulation.sorties import (
    DossierDeSortie,
    ErreurEntree,
    ErreurSortie,
    ecrire_manifeste,
)
from iae_modulation.table_canonique import Anomalie, DonneesSIAE, RapportValidation

CODE_SUCCES = 0
CODE_ENTREE_INVALIDE = 2
NOM_ANOMALIES = "anomalies.xlsx"
REMARQUES_AFFICHEES = 30  # remarques sur les données écrites dans le résumé d'un calcul


@dataclass
class RapportCampagne:
    """Ce qu'une campagne a produit, ou pourquoi elle n'a rien produit."""

    code_sortie: int
    rapport: RapportValidation
    sortie: Path | None = None
    calcul: CalculModulation | None = None
    erreur: str = ""
    fichiers: list[Path] = field(default_factory=list)
    fichier_donnees: str = ""
    note: str = ""  # pourquoi le rapport de refus n'a pas été écrit
    precedent: CampagnePrecedente | None = None

    @property
    def resultats(self) -> pd.DataFrame | None:
        return None if self.calcul is None else self.calcul.resultats

    def resume(self) -> str:
        """Résumé en français pour le terminal et le journal du classeur."""
        if self.erreur:
            return self.erreur
        if self.calcul is None:
            bloquantes = sum(a.bloquante for a in self.rapport.anomalies)
            rapport_xlsx = "".join(
                f"\nLe même rapport, avec des filtres : {f}" for f in self.fichiers
            )
            return (
                f"Données invalides : {bloquantes} problème(s) bloquant(s), aucun résultat écrit.\n"
                + self.rapport.texte()
                + rapport_xlsx
                + (f"\n{self.note}" if self.note else "")
            )
        resultats = self.calcul.resultats
        socle = sum(resultats["montant_socle"], Decimal(0))
        module = sum(resultats["montant_module"], Decimal(0))
        net = sum(resultats["montant_net"], Decimal(0))
        # les lignes ATTENTION (année sans arrêté) d'abord, telles quelles
        lignes = [a for a in self.calcul.avertissements if a.startswith("ATTENTION")]
        lignes += [
            f"{len(resultats)} structures calculées dans "
            f"{resultats['region'].nunique()} région(s).",
            f"Montant socle total : {montant_fr(socle)} ; montant modulé total : "
            f"{montant_fr(module)} (taux moyen "
            f"{taux_fr(module / socle if socle else Decimal(0))}).",
        ]
        if net != module:
            lignes.append(f"Montant net après régularisation 2014 : {montant_fr(net)}.")
        if self.calcul.methode is not None:
            lignes.append(texte_methode(self.calcul.methode.methode))
        lignes += lignes_repartition(self.calcul.enveloppes)
        if self.precedent is not None:
            lignes += self.precedent.resume()
        lignes += [a for a in self.calcul.avertissements if not a.startswith("ATTENTION")]
        remarques = [a for a in self.rapport.anomalies if not a.bloquante]
        # les remarques sur les données d'abord (colonnes non reconnues, lignes de titre, puis
        # ligne par ligne), dans la limite de REMARQUES_AFFICHEES ; toutes celles qui portent
        # sur une structure sont aussi dans la colonne « anomalies » du grand livre
        sur_les_donnees = [a for a in remarques if a.fichier == self.fichier_donnees]
        lignes += [f"Remarque : {a.texte()}" for a in sur_les_donnees[:REMARQUES_AFFICHEES]]
        if len(sur_les_donnees) > REMARQUES_AFFICHEES:
            lignes.append(
                f"… et {len(sur_les_donnees) - REMARQUES_AFFICHEES} autre(s) remarque(s) sur les "
                "données : voir la colonne « anomalies » des résultats."
            )
        elif any(a.ligne is not None for a in sur_les_donnees):
            lignes.append(
                "Les remarques sur une structure sont aussi dans la colonne « anomalies » des "
                "résultats."
            )
        lignes += [
            f"Remarque : {a.texte()}" for a in remarques if a.fichier != self.fichier_donnees
        ]
        if self.sortie:
            lignes.append(f"Résultats écrits dans {self.sortie}")
        return "\n".join(lignes)


def texte_methode(methode: Methode) -> str:
    """« Méthode : Poids 50/30/20 (notation rang, groupes type × région, répartition
    plafond). » pour le résumé d'un calcul."""
    source = f", fichier {methode.fichier}" if methode.fichier else ""
    return (
        f"Méthode : {methode.nom} (notation {methode.notation}, groupes "
        f"{GROUPES[methode.groupes]}, répartition {methode.repartition}{source})."
    )


def lignes_repartition(bilan: pd.DataFrame) -> list[str]:
    """Une ligne par région dont l'enveloppe ou le taux moyen visé a été appliqué : montant à
    répartir, utilisé, reliquat (arrondis au centime inférieur, plafonds atteints)."""
    lignes = []
    for env in bilan.itertuples(index=False):
        if env.cible is not None:
            borne = "" if env.enveloppe is None else f", enveloppe {montant_fr(env.enveloppe)}"
            lignes.append(
                f"Taux moyen visé {env.region} : {montant_fr(env.cible)} à répartir"
                f"{borne} ; réparti {montant_fr(env.total_module)}, reliquat "
                f"{montant_fr(env.reliquat)}."
            )
        elif env.enveloppe is not None:
            lignes.append(
                f"Enveloppe {env.region} : {montant_fr(env.enveloppe)}, utilisée "
                f"{montant_fr(env.total_module)}, reliquat {montant_fr(env.reliquat)}."
            )
    return lignes


def _cle(texte: str) -> str:
    return sans_accents(str(texte)).strip().casefold().replace(" ", "_")


def _colonne_parmi(
    table: pd.DataFrame, noms: tuple[str, ...], fichier: Path, aide: str = ""
) -> str:
    for colonne in table.columns:
        if _cle(colonne) in noms:
            return colonne
    raise ErreurEntree(
        f"{fichier.name} : colonne « {noms[0]} » introuvable (colonnes présentes : "
        f"{', '.join(map(str, table.columns))}).{aide}"
    )


def _sous_le_titre(brute: TableBrute, noms_cle: tuple[str, ...]) -> TableBrute:
    """La table dont l'en-tête est la première ligne qui nomme la colonne clé (des lignes de
    titre peuvent la précéder) ; telle quelle si aucune ne la nomme (le refus dit laquelle
    manque)."""
    if any(_cle(colonne) in noms_cle for colonne in brute.table.columns):
        return brute
    premieres = brute.table.head(LIGNES_DE_TITRE).itertuples(index=False, name=None)
    for position, rangee in enumerate(premieres):
        if any(_cle(cellule) in noms_cle for cellule in rangee):
            return brute.entete_en(position)
    return brute


@dataclass
class ValeursLues:
    """Un petit fichier « clé ; nombres » lu : valeurs valides, ligne de chaque clé, anomalies."""

    valeurs: dict[str, tuple[Decimal, ...]]
    lignes: dict[str, int]
    colonne_cle: str
    anomalies: list[Anomalie]
    fichier: str
    feuille: str | None

    @property
    def montants(self) -> dict[str, Decimal]:
        """Clé -> première valeur (fichier « clé ; montant »)."""
        return {cle: valeurs[0] for cle, valeurs in self.valeurs.items()}

    def signaler(self, cle: str, message: str, bloquante: bool = True) -> None:
        self.anomalies.append(
            Anomalie(
                self.fichier,
                self.feuille,
                self.lignes[cle],
                self.colonne_cle,
                cle,
                message,
                bloquante,
            )
        )


def lire_valeurs_par_cle(
    chemin: Path,
    noms_cle: tuple[str, ...],
    noms_valeurs: tuple[tuple[str, ...], ...],
    normaliser,
    designation: str,
    attendu: str = "",
    aide: str = "",
) -> ValeursLues:
    """Lit un petit fichier « clé ; nombre ; … » (enveloppes, versements 2014) : une colonne
    par tuple de `noms_valeurs` (noms acceptés), nombres positifs, clés uniques ; la première
    est un montant en euros, au centime près ; `designation` nomme la clé dans le message d'une
    cellule vide (« la région ») ; `aide` complète le message d'une colonne absente."""
    lue = lire_table(chemin)
    brute = _sous_le_titre(lue, noms_cle)
    table = brute.table
    col_cle = _colonne_parmi(table, noms_cle, brute.fichier, aide)
    cols = [_colonne_parmi(table, noms, brute.fichier, aide) for noms in noms_valeurs]
    lus = ValeursLues({}, {}, col_cle, [], brute.fichier.name, brute.feuille)
    if brute is not lue:
        lus.anomalies.append(
            Anomalie(
                brute.fichier.name,
                brute.feuille,
                None,
                None,
                "",
                f"les noms de colonnes sont en ligne {brute.ligne_entete} : les lignes au-dessus "
                "ne sont pas lues.",
                False,
            )
        )

    def signaler(ligne, colonne, valeur, message):
        lus.anomalies.append(
            Anomalie(brute.fichier.name, brute.feuille, ligne, colonne, valeur, message)
        )

    longues, _ = brute.lignes_decalees()
    for position, (ligne, cle) in enumerate(zip(brute.lignes, table[col_cle], strict=True)):
        if ligne in longues:
            signaler(
                ligne,
                None,
                "",
                f"{longues[ligne]} cellules remplies pour {brute.largeur_entete} colonnes "
                "d'en-tête : les valeurs de la ligne sont décalées (un nombre écrit avec une "
                "virgule dans un fichier séparé par des virgules ?) ; enregistrez le fichier "
                "au format « CSV (séparateur : point-virgule) ».",
            )
            continue
        if est_erreur_excel(cle):
            signaler(ligne, col_cle, cle, message_cellule_en_erreur(cle.strip()))
            continue
        cle_normale = normaliser(cle)
        if cle_normale is None:
            signaler(ligne, col_cle, cle, f"« {cle} » n'est pas reconnu{attendu}.")
            continue
        valeurs: list[Decimal] = []
        for colonne, noms in zip(cols, noms_valeurs, strict=True):
            texte = table[colonne].iat[position]
            if not str(texte).strip():
                signaler(
                    ligne,
                    colonne,
                    texte,
                    f"{noms[0]} vide pour {designation} {cle_normale} : indiquez "
                    f"{'un nombre' if valeurs else 'un montant'}, ou retirez la ligne.",
                )
                break
            try:  # la première valeur est un montant en euros, au centime
                nombre = (lire_nombre if valeurs else lire_montant)(texte)
            except (CelluleEnErreur, NombreAmbigu) as erreur:
                signaler(ligne, colonne, texte, str(erreur))
                break
            except ValueError:
                signaler(ligne, colonne, texte, f"« {texte} » n'est pas un nombre.")
                break
            if nombre < 0:
                signaler(ligne, colonne, texte, "Une valeur négative n'est pas possible ici.")
                break
            valeurs.append(nombre)
        if len(valeurs) < len(cols):
            continue
        if cle_normale in lus.valeurs:
            signaler(ligne, col_cle, cle, f"« {cle_normale} » figure deux fois.")
        else:
            lus.valeurs[cle_normale] = tuple(valeurs)
            lus.lignes[cle_normale] = ligne
    return lus


def lire_enveloppes(chemin: Path) -> ValeursLues:
    """Enveloppes régionales (`region;enveloppe`, note 2014-04 annexe 1)."""
    return lire_valeurs_par_cle(
        chemin,
        ("region",),
        (("enveloppe", "montant"),),
        normaliser_region,
        "la région",
        f" (régions : {', '.join(regions())})",
    )


FORME_VERSEMENTS = (
    "annexe_2014;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014\n"
    "ACI054140010;9600,00;10;8,5"
)
COLONNES_VERSEMENTS = (
    ("montant_verse_2014", "montant_module_2014"),
    ("etp_conventionnes_2014",),
    ("etp_realises_2014",),
)


def lire_versements_2014(chemin: Path) -> tuple[dict[str, Versement2014], ValeursLues]:
    """Montant modulé versé pour 2014 et postes 2014 conventionnés et réalisés, par annexe
    financière 2014 (note 2014-04 : régularisation en 2015 des postes 2014 non réalisés) ; une
    annexe (avenants confondus) ne figure qu'une fois."""
    lus = lire_valeurs_par_cle(
        chemin,
        ("annexe_2014", "identifiant", "numero_annexe", "n°_annexe_financiere"),
        COLONNES_VERSEMENTS,
        lambda v: cle_versement(v) or None,  # l'annexe 2014, sans avenant
        "l'annexe",
        aide="\nLa régularisation porte sur les postes 2014 non réalisés : le fichier des "
        "versements 2014 donne, pour chaque structure, le montant modulé versé et les ETP "
        "conventionnés et réalisés en 2014. Forme attendue :\n" + FORME_VERSEMENTS,
    )
    versements = {}
    for identifiant, (montant, conventionnes, realises) in lus.valeurs.items():
        if not conventionnes:
            lus.signaler(
                identifiant,
                f"{identifiant} : 0 ETP conventionné en 2014, la part non réalisée ne peut pas "
                "être calculée.",
            )
            continue
        versements[identifiant] = Versement2014(montant, conventionnes, realises)
    return versements, lus


def _verifier_tirages(
    versements: dict[str, Versement2014], lus: ValeursLues, donnees: DonneesSIAE
) -> None:
    """Chaque versement 2014 est tiré par exactement une annexe des données (même n° sans
    avenant) : sans annexe, la régularisation ne peut pas être faite ; tiré par deux annexes, il
    serait déduit deux fois (refusé, les deux lignes des données nommées)."""
    tirages: dict[str, list[tuple[str, int]]] = {}
    table = donnees.table
    for identifiant, ligne in zip(table["identifiant"], table["ligne_source"], strict=True):
        tirages.setdefault(cle_versement(identifiant), []).append((identifiant, int(ligne)))
    fichier = Path(donnees.fichier).name
    for cle in sorted(versements):
        tireurs = tirages.get(cle, [])
        if not tireurs:
            lus.signaler(
                cle,
                f"Versement 2014 de {cle} : aucune annexe de ce numéro (avenants confondus) dans "
                "les données ; la régularisation ne peut pas être faite.",
            )
        elif len(tireurs) > 1:
            annexes = ", ".join(f"{i} ({fichier}, ligne {n})" for i, n in tireurs)
            lus.signaler(
                cle,
                f"Versement 2014 de l'annexe {cle} tiré par {len(tireurs)} annexes des données "
                f"({annexes}) : il serait déduit {len(tireurs)} fois. Un versement 2014 n'est "
                "régularisé qu'une fois : gardez dans les données la seule annexe qui le "
                "régularise, ou recalculez annexe par annexe.",
            )


@dataclass
class EntreesLues:
    """Les données validées et les petits fichiers qui les accompagnent (enveloppes, versements
    2014), lus une fois ; leurs anomalies sont gardées hors des données, pour qu'aucune ne soit
    rattachée à la structure qui a le même numéro de ligne."""

    donnees: DonneesSIAE
    annexes: list[Anomalie]
    lues_enveloppes: ValeursLues | None = None
    lus_versements: ValeursLues | None = None
    versements: dict[str, Versement2014] | None = None

    @property
    def enveloppes(self) -> dict[str, Decimal] | None:
        return None if self.lues_enveloppes is None else self.lues_enveloppes.montants

    @classmethod
    def lire(
        cls, donnees: Path, annee: int, enveloppes: Path | None, versements: Path | None = None
    ) -> EntreesLues:
        lues = cls(lire_donnees(Path(donnees), annee), [])
        if enveloppes is not None:
            lues.lues_enveloppes = lire_enveloppes(Path(enveloppes))
            lues.annexes += lues.lues_enveloppes.anomalies
        if versements is not None:
            lues.versements, lues.lus_versements = lire_versements_2014(Path(versements))
            _verifier_tirages(lues.versements, lues.lus_versements, lues.donnees)
            lues.annexes += lues.lus_versements.anomalies
        return lues

    def rapport(self) -> RapportValidation:
        """Le rapport avant calcul : données, enveloppes, versements."""
        return RapportValidation(list(self.donnees.rapport.anomalies) + self.annexes)

    def rapport_du_calcul(self, calcul: CalculModulation, annee: int) -> RapportValidation:
        """Le rapport après calcul : celui du calcul (règles de la date), les anomalies des
        petits fichiers et leurs contrôles de vraisemblance, qui demandent les socles."""
        annexes = list(self.annexes)
        if self.lus_versements is not None:
            annexes += _versements_invraisemblables(self.lus_versements, calcul.resultats, annee)
        if self.lues_enveloppes is not None:
            annexes += _enveloppes_invraisemblables(self.lues_enveloppes, calcul.resultats)
        rapport = RapportValidation(list(calcul.rapport.anomalies) + annexes)
        if rapport.est_valide and self.lues_enveloppes is not None:  # un refus n'en dit rien
            rapport.ajouter(*_enveloppes_sans_structure(self.lues_enveloppes, calcul.resultats))
        return rapport


def _enveloppes_sans_structure(lues: ValeursLues, resultats: pd.DataFrame) -> list[Anomalie]:
    """Une enveloppe d'une région absente des structures calculées : remarque non bloquante,
    faite seulement quand le calcul aboutit (des données refusées ne disent pas quelles
    régions elles contiennent)."""
    regions = set(resultats["region"])
    return [
        Anomalie(
            lues.fichier,
            lues.feuille,
            lues.lignes[region],
            lues.colonne_cle,
            region,
            f"Aucune structure de la région {region} dans les données : cette enveloppe "
            "n'est pas utilisée.",
            False,
        )
        for region in sorted(set(lues.montants) - regions)
    ]


def executer_calcul(
    donnees: Path,
    annee: int,
    sortie: Path,
    *,
    methode: Methode | str = "rang",
    enveloppes: Path | None = None,
    versements_2014: Path | None = None,
    precedent: Path | None = None,
    ecraser: bool = False,
    progression_active: bool = False,
    classeur_xlsx: bool = True,
    dossier_parametres: Path | None = None,
) -> RapportCampagne:
    """`iae-modulation calculer` : lit, valide, calcule, écrit resultats.csv/.xlsx et le manifeste.

    `classeur_xlsx=False` (bouton du classeur Excel) : pas de `resultats.xlsx`, les feuilles
    « Résultats » et « Synthèse » du classeur en tiennent lieu ; le grand livre est le même.
    `dossier_parametres` : le dossier de paramètres de l'agent (`parametres.surcharge`), dont
    chaque fichier est consigné avec son empreinte dans le manifeste. `methode` : la méthode de
    la région (`fichier_methode.lire_methode`, `methode.depuis_options`), ou une notation de la
    méthode par défaut. `precedent` : le grand livre de la campagne N − 1 (taux et montant
    précédents de chaque structure).

    Si les entrées sont invalides : code de sortie 2 et seul `anomalies.xlsx` est écrit, dans un
    dossier de sortie neuf ou vide ; des résultats précédents restent tels quels.
    """
    sortie = Path(sortie)
    if isinstance(methode, str):
        methode = Methode(notation=methode)
    entrees = {
        "donnees": donnees,
        "enveloppes": enveloppes,
        "versements_2014": versements_2014,
        "methode": Path(methode.chemin) if methode.chemin else None,
        "precedent": precedent,
    }
    lue_precedente = None
    with progression("Calcul de la modulation", 4, progression_active) as avancer:
        try:
            probleme = probleme_annee_campagne(annee)
            if probleme:
                raise ErreurEntree(probleme)
            if precedent is not None:  # relu avec les paramètres de son propre calcul
                lue_precedente = lire_campagne_precedente(Path(precedent), annee)
                entrees["precedent"] = lue_precedente.fichier
            with (
                parametres.surcharge(dossier_parametres),
                DossierDeSortie(sortie, ecraser=ecraser, entrees=entrees.values()) as ecriture,
            ):
                lues = EntreesLues.lire(Path(donnees), annee, enveloppes, versements_2014)
                avancer("données lues")
                options = OptionsCalcul(
                    annee,
                    methode,
                    lues.enveloppes,
                    lues.versements,
                    None if lue_precedente is None else lue_precedente.valeurs,
                )
                rapport = lues.rapport()
                if rapport.est_valide:
                    calcul = calculer_modulation(lues.donnees, options)
                    rapport = lues.rapport_du_calcul(calcul, annee)
                    avancer("modulation calculée")
                if not rapport.est_valide:
                    return _ecrire_anomalies(rapport, ecriture, entrees, annee, methode)
                if lue_precedente is not None:
                    lue_precedente.rapprocher(calcul.resultats["identifiant"])
                dossier = ecriture.temporaire
                ecrire_resultats_csv(calcul.resultats, dossier / "resultats.csv")
                titre = f"Modulation de l'aide au poste — campagne {annee} ({methode.nom})"
                if classeur_xlsx:
                    ecrire_resultats_xlsx(
                        calcul.resultats, calcul.enveloppes, dossier / "resultats.xlsx", titre
                    )
                avancer("résultats écrits")
                ecrire_manifeste(
                    dossier,
                    "calculer",
                    entrees,
                    {
                        "annee": annee,
                        "methode": methode_au_manifeste(calcul),
                        # relues par le contrôle du grand livre : région -> montant exact
                        "enveloppes": {r: str(m) for r, m in (lues.enveloppes or {}).items()},
                        **(
                            {"precedent": lue_precedente.pour_le_manifeste()}
                            if lue_precedente is not None
                            else {}
                        ),
                    },
                    calcul.parametres,
                    alertes=calcul.avertissements,
                )
                fichiers = ecriture.publier()
                avancer("manifeste écrit")
        except (ErreurEntree, ErreurSortie, ErreurCalcul, ErreurParametre) as erreur:
            code = traduire(erreur)[0] if isinstance(erreur, ErreurSortie) else CODE_ENTREE_INVALIDE
            return RapportCampagne(code, RapportValidation([]), erreur=str(erreur))
    return RapportCampagne(
        CODE_SUCCES,
        rapport,
        ecriture.dossier,
        calcul,
        fichiers=fichiers,
        fichier_donnees=Path(donnees).name,
        precedent=lue_precedente,
    )


def methode_au_manifeste(calcul: CalculModulation) -> dict:
    """La méthode du calcul telle que le manifeste la consigne : sa description entière
    (contenu du fichier et empreinte compris) et les valeurs appliquées (poids, plafond), que
    la relecture du grand livre compare à ses colonnes."""
    appliquee = calcul.methode
    return {
        **appliquee.methode.pour_le_manifeste(),
        "appliquee": {
            "poids": {c: str(p) for c, p in appliquee.poids.items()},
            "plafond": str(appliquee.plafond),
        },
    }


# Une enveloppe régionale est dimensionnée pour un taux moyen de 5 % des montants socles de la
# région (reference/domaine.md) ; 10 fois moins est à vérifier, 100 fois moins est une faute de
# frappe (« 295.600 » pour 295 600 €, « 2956 » pour 295 600 €) : refusée.
TAUX_MOYEN_ATTENDU = Decimal("0.05")
FACTEUR_DOUTEUX = 10
FACTEUR_IMPOSSIBLE = 100


def _enveloppes_invraisemblables(lues: ValeursLues, resultats: pd.DataFrame) -> list[Anomalie]:
    """Une enveloppe (non nulle) très inférieure à 5 % des montants socles de sa région :
    remarque à 10 fois moins, refus à 100 fois moins. Une enveloppe de 0 est un choix."""
    socles = {
        region: sum(groupe, Decimal(0))
        for region, groupe in resultats.groupby("region")["montant_socle"]
    }
    anomalies = []
    for region, enveloppe in lues.montants.items():
        attendu = socles.get(region, Decimal(0)) * TAUX_MOYEN_ATTENDU
        if not enveloppe or enveloppe * FACTEUR_DOUTEUX >= attendu:
            continue
        impossible = enveloppe * FACTEUR_IMPOSSIBLE < attendu
        anomalies.append(
            Anomalie(
                lues.fichier,
                lues.feuille,
                lues.lignes[region],
                "enveloppe",
                montant_fr(enveloppe),
                f"enveloppe {'invraisemblable' if impossible else 'très faible'} : "
                f"{montant_fr(enveloppe)} pour la région {region}, plus de "
                f"{FACTEUR_IMPOSSIBLE if impossible else FACTEUR_DOUTEUX} fois moins que "
                f"{taux_fr(TAUX_MOYEN_ATTENDU, 0)} de ses montants socles ({montant_fr(attendu)}), "
                "le taux moyen pour lequel les crédits sont prévus"
                + (
                    " : faute de frappe probable (séparateur des milliers ?), corrigez le "
                    "fichier des enveloppes."
                    if impossible
                    else " : chaque montant sera réduit d'autant, vérifiez-la."
                ),
                impossible,
            )
        )
    return anomalies


def _versements_invraisemblables(
    lus: ValeursLues, resultats: pd.DataFrame, annee: int
) -> list[Anomalie]:
    """Un versement 2014 supérieur au plus grand montant modulé possible de la structure (taux
    maximal × montant socle), ou plus de 100 fois inférieur au taux forfaitaire de 2014 (note
    2014-04 : paramètre `taux_forfaitaire_2014`) × montant socle : remarque non bloquante, c'est
    sans doute une faute de frappe."""
    taux_max = parametres.valeur("taux_modulation_max", dt.date(annee, 1, 1)).nombre
    forfait = parametres.valeur(
        "taux_forfaitaire_2014", dt.date(parametres.ANNEE_FORFAIT, 1, 1)
    ).nombre
    socles = dict(zip(resultats["identifiant"], resultats["montant_socle"], strict=True))
    remarques = []
    for identifiant, montant in lus.montants.items():
        socle = socles.get(identifiant)
        if socle is None:
            continue
        if montant and montant * FACTEUR_IMPOSSIBLE < socle * forfait:
            doute = (
                f"versement 2014 très faible : {montant_fr(montant)} pour {identifiant}, plus de "
                f"{FACTEUR_IMPOSSIBLE} fois moins que {taux_fr(forfait, 0)} de son montant socle "
                f"({montant_fr(socle)}), le taux forfaitaire de 2014"
            )
        elif montant > socle * taux_max:
            doute = (
                f"versement 2014 de {montant_fr(montant)} pour {identifiant}, plus que "
                f"{taux_fr(taux_max, 0)} de son montant socle ({montant_fr(socle)}), le plus "
                "qu'un montant modulé puisse atteindre"
            )
        else:
            continue
        message = f"{doute} : faute de frappe probable (la régularisation le prend tel quel)."
        ligne = lus.lignes[identifiant]
        remarques.append(
            Anomalie(lus.fichier, lus.feuille, ligne, lus.colonne_cle, identifiant, message, False)
        )
    return remarques


def _ecrire_anomalies(
    rapport: RapportValidation,
    ecriture: DossierDeSortie,
    entrees: dict[str, Path | None],
    annee: int,
    methode: Methode,
) -> RapportCampagne:
    """`anomalies.xlsx` et son manifeste (statut « refus ») ; pas dans un dossier qui contient
    les résultats d'un calcul précédent : ils restent tels quels."""
    if not ecriture.vide:
        return RapportCampagne(
            CODE_ENTREE_INVALIDE,
            rapport,
            note=f"Le dossier {ecriture.dossier} contient les résultats d'un calcul précédent : "
            f"ils restent tels quels, et {NOM_ANOMALIES} n'y est pas écrit.",
        )
    ecrire_anomalies_xlsx(rapport, ecriture.temporaire / NOM_ANOMALIES, annee)
    options = {"annee": annee, "methode": methode.pour_le_manifeste()}
    ecrire_manifeste(ecriture.temporaire, "calculer", entrees, options, refus=True)
    ecriture.publier()
    fichiers = [ecriture.dossier / NOM_ANOMALIES]
    return RapportCampagne(CODE_ENTREE_INVALIDE, rapport, ecriture.dossier, fichiers=fichiers)
