"""Simuler plusieurs méthodes avant la commission : les mêmes données, lues et validées une fois,
passées par le même calcul (`modulation.calculer_modulation`) pour chaque scénario, puis
comparées structure par structure, et par département et type (docs/methode.md, « Préparer la
commission »).

Le premier scénario est la référence : chaque autre est comparé à lui, et chacun à la campagne
précédente quand son grand livre est donné. Choisir un scénario, c'est ensuite lancer `calculer
--methode-fichier` avec son fichier de méthode : mêmes montants, au centime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from iae_modulation.campagne import EntreesLues, lignes_repartition
from iae_modulation.fichier_methode import lire_methode
from iae_modulation.methode import ErreurMethode, Methode, methode_par_defaut
from iae_modulation.modulation import (
    CalculModulation,
    ErreurCalcul,
    OptionsCalcul,
    calculer_modulation,
)
from iae_modulation.precedent import CampagnePrecedente
from iae_modulation.sorties import nom_de_fichier_sur

NOM_SIMULATION = "simulation.xlsx"
NOM_SYNTHESE = "synthese_commission.pdf"  # une page pour la commission
DEFAUT = "defaut"  # --scenario NOM=defaut : la méthode par défaut de la note 2014-04


@dataclass(frozen=True)
class Scenario:
    """Un scénario : son nom (celui que la commission lit) et sa méthode."""

    nom: str
    methode: Methode

    @property
    def fichier(self) -> str:
        """Le fichier de méthode écrit avec la simulation, à donner à `calculer`."""
        return f"methode_{nom_de_fichier_sur(self.nom)}.yaml"


def lire_scenario(texte: str) -> Scenario:
    """« NOM=M.yaml », « M.yaml » (le nom de la méthode) ou « NOM=defaut »."""
    nom, egal, chemin = texte.partition("=")
    if not egal:
        nom, chemin = "", texte
    nom, chemin = nom.strip(), chemin.strip()
    if chemin.lower() in (DEFAUT, "défaut"):
        methode = methode_par_defaut()
    else:
        methode = lire_methode(Path(chemin))
    return Scenario(nom or methode.nom, methode)


def texte_yaml(methode: Methode) -> str:
    """Le fichier de méthode d'un scénario : son contenu s'il vient d'un fichier, sinon la
    méthode écrite en YAML (méthode par défaut : ses poids et son plafond restent ceux des
    paramètres datés)."""
    if methode.contenu:
        return methode.contenu
    lignes = [f"nom: {_yaml_texte(methode.nom)}", f"notation: {methode.notation}"]
    if methode.poids is not None:
        poids = ", ".join(f"{c}: {_pourcent(p)}" for c, p in methode.poids)
        lignes.append(f"poids: {{{poids}}}")
    if methode.sens:
        lignes.append("sens: {" + ", ".join(f"{c}: {s}" for c, s in methode.sens) + "}")
    if methode.plafond is not None:
        lignes.append(f"plafond: {_pourcent(methode.plafond)}")
    lignes.append(f"groupes: type-{methode.groupes}")
    lignes.append(f"repartition: {methode.repartition}")
    if methode.taux_moyen is not None:
        lignes.append(f"taux_moyen: {_pourcent(methode.taux_moyen)}")
    return "\n".join(lignes) + "\n"


def _pourcent(fraction: Decimal) -> str:
    return format((fraction * 100).normalize(), "f")


def _yaml_texte(texte: str) -> str:
    return '"' + texte.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Simulation:
    """Les scénarios calculés et leurs comparaisons, prêts à écrire."""

    annee: int
    scenarios: list[Scenario]
    calculs: list[CalculModulation]
    precedent: CampagnePrecedente | None = None
    structures: pd.DataFrame = field(default_factory=pd.DataFrame)
    totaux: pd.DataFrame = field(default_factory=pd.DataFrame)
    resume_scenarios: pd.DataFrame = field(default_factory=pd.DataFrame)

    def montants(self, k: int) -> pd.Series:
        return self.structures[f"montant_{k}"]

    @property
    def alertes(self) -> list[str]:
        """Les alertes des calculs de tous les scénarios, chacune une fois : ligne ATTENTION
        d'une année sans arrêté (issue 15, point 4), valeurs non lues dans le texte."""
        return list(dict.fromkeys(a for calcul in self.calculs for a in calcul.avertissements))

    def comparer(self) -> None:
        """Les tables de la comparaison (docs/methode.md, « simulation.xlsx »)."""
        self.structures = _structures(self)
        self.totaux = _totaux(self)
        self.resume_scenarios = _resume(self)


def _structures(simulation: Simulation) -> pd.DataFrame:
    """Une ligne par structure : identité, socle, campagne précédente, puis par scénario le taux
    effectif, le montant modulé, le rang dans le groupe (1 = le plus fort taux calculé) et les
    écarts à la référence et à la campagne précédente. Les scénarios calculent les mêmes
    structures, dans l'ordre des données : colonnes rangées côte à côte."""
    premier = simulation.calculs[0].resultats
    colonnes = {
        c: premier[c].tolist()
        for c in ("identifiant", "raison_sociale", "type", "departement", "region")
        + ("montant_socle", "taux_precedent", "montant_precedent")
    }
    precedents = colonnes["montant_precedent"]
    for k, calcul in enumerate(simulation.calculs):
        resultats = calcul.resultats
        if resultats["identifiant"].tolist() != colonnes["identifiant"]:
            raise ErreurCalcul("Scénarios calculés sur des structures différentes.")
        montants = resultats["montant_module"].tolist()
        colonnes[f"taux_{k}"] = resultats["taux_effectif"].tolist()
        colonnes[f"montant_{k}"] = montants
        colonnes[f"groupe_{k}"] = resultats["groupe"].tolist()
        colonnes[f"rang_{k}"] = _rangs(colonnes[f"groupe_{k}"], resultats["taux_calcule"].tolist())
        if k:
            reference = colonnes["montant_0"]
            colonnes[f"ecart_{k}"] = [m - r for m, r in zip(montants, reference, strict=True)]
        colonnes[f"ecart_precedent_{k}"] = [
            None if p is None else m - p for m, p in zip(montants, precedents, strict=True)
        ]
    return pd.DataFrame(colonnes)


def _rangs(groupes: list[str], taux: list[Decimal]) -> list[int | None]:
    """Rang du taux calculé dans le groupe, 1 pour le plus fort (ex-æquo au meilleur rang) ;
    vide hors classement."""
    par_groupe: dict[str, list[Decimal]] = {}
    for groupe, t in zip(groupes, taux, strict=True):
        if groupe:
            par_groupe.setdefault(groupe, []).append(t)
    tries = {g: sorted(valeurs, reverse=True) for g, valeurs in par_groupe.items()}
    premiers: dict[str, dict[Decimal, int]] = {g: {} for g in tries}
    for g, valeurs in tries.items():
        for rang, t in enumerate(valeurs, start=1):
            premiers[g].setdefault(t, rang)
    return [premiers[g][t] if g else None for g, t in zip(groupes, taux, strict=True)]


def _comptes(ecarts) -> tuple[int, int, Decimal, Decimal]:
    """Structures qui gagnent, qui perdent, et les sommes de leurs gains et pertes."""
    valeurs = [e for e in ecarts if e is not None]
    gains = [e for e in valeurs if e > 0]
    pertes = [e for e in valeurs if e < 0]
    return len(gains), len(pertes), sum(gains, Decimal(0)), sum(pertes, Decimal(0))


def _totaux(simulation: Simulation) -> pd.DataFrame:
    """Par département et type, pour chaque scénario : structures, total modulé, taux moyen, et
    combien gagnent ou perdent par rapport à la référence (le premier scénario) et à la
    campagne précédente."""
    table = {c: simulation.structures[c].tolist() for c in simulation.structures.columns}
    positions: dict[tuple[str, str], list[int]] = {}
    for i, cle in enumerate(zip(table["departement"], table["type"], strict=True)):
        positions.setdefault(cle, []).append(i)

    def somme(colonne: str, rangs: list[int]) -> Decimal:
        return sum((table[colonne][i] for i in rangs), Decimal(0))

    lignes = []
    for (departement, type_siae), rangs in sorted(positions.items()):
        socle = somme("montant_socle", rangs)
        ligne = {
            "departement": departement,
            "region": table["region"][rangs[0]],
            "type": type_siae,
            "structures": len(rangs),
            "montant_socle": socle,
        }
        for k in range(len(simulation.calculs)):
            total = somme(f"montant_{k}", rangs)
            ligne[f"total_{k}"] = total
            ligne[f"taux_{k}"] = (total / socle).quantize(Decimal("0.0001")) if socle else None
            ligne[f"gagnent_{k}"] = ligne[f"perdent_{k}"] = None
            if k:
                gagnent, perdent, _, _ = _comptes(table[f"ecart_{k}"][i] for i in rangs)
                ligne[f"gagnent_{k}"], ligne[f"perdent_{k}"] = gagnent, perdent
            if simulation.precedent is not None:
                gagnent, perdent, _, _ = _comptes(table[f"ecart_precedent_{k}"][i] for i in rangs)
                ligne[f"gagnent_precedent_{k}"] = gagnent
                ligne[f"perdent_precedent_{k}"] = perdent
        lignes.append(ligne)
    return pd.DataFrame(lignes)


def _resume(simulation: Simulation) -> pd.DataFrame:
    """Par scénario : la méthode, les totaux et ce qui change par rapport à la référence."""
    table = simulation.structures
    socle = sum(table["montant_socle"], Decimal(0))
    lignes = []
    for k, (scenario, calcul) in enumerate(
        zip(simulation.scenarios, simulation.calculs, strict=True)
    ):
        total = sum(table[f"montant_{k}"], Decimal(0))
        gagnent, perdent, gains, pertes = _comptes(table[f"ecart_{k}"]) if k else (0, 0, 0, 0)
        hausse = baisse = None
        if k:
            ecarts = list(
                zip(table[f"ecart_{k}"], table["identifiant"], table["raison_sociale"], strict=True)
            )
            hausse, baisse = max(ecarts, key=lambda e: e[0]), min(ecarts, key=lambda e: e[0])
        precedent = (
            _comptes(table[f"ecart_precedent_{k}"]) if simulation.precedent is not None else None
        )
        lignes.append(
            {
                "nom": scenario.nom,
                "methode": scenario.methode,
                "appliquee": calcul.methode,
                "total": total,
                "taux_moyen": (total / socle).quantize(Decimal("0.0001")) if socle else None,
                "gagnent": gagnent,
                "perdent": perdent,
                "gains": gains,
                "pertes": pertes,
                "hausse": hausse,
                "baisse": baisse,
                "precedent": precedent,
                "repartition": lignes_repartition(calcul.enveloppes),
            }
        )
    return pd.DataFrame(lignes)


def simuler(
    lues: EntreesLues,
    annee: int,
    scenarios: list[Scenario],
    precedent: CampagnePrecedente | None = None,
) -> Simulation:
    """Chaque scénario passé par le même calcul, sur les mêmes données déjà validées."""
    calculs = []
    for scenario in scenarios:
        options = OptionsCalcul(
            annee,
            scenario.methode,
            lues.enveloppes,
            lues.versements,
            None if precedent is None else precedent.valeurs,
        )
        try:
            calculs.append(calculer_modulation(lues.donnees, options))
        except (ErreurCalcul, ErreurMethode) as erreur:
            raise ErreurMethode(f"Scénario « {scenario.nom} » : {erreur}") from None
    simulation = Simulation(annee, scenarios, calculs, precedent)
    simulation.comparer()
    return simulation
