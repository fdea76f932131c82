"""`iae-modulation simuler` et le bouton « Comparer des méthodes » : données lues et validées une
fois, chaque scénario calculé (`simulation.simuler`), puis `simulation.xlsx`, la synthèse d'une
page pour la commission, le fichier de méthode de chaque scénario et le manifeste, publiés d'un
coup (docs/methode.md, « Préparer la commission »)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.campagne import (
    CODE_ENTREE_INVALIDE,
    CODE_SUCCES,
    EntreesLues,
    methode_au_manifeste,
    texte_methode,
)
from iae_modulation.classeur_simulation import ecrire_simulation
from iae_modulation.erreurs import ErreurEntree, ErreurSortie, traduire
from iae_modulation.formats import montant_fr, taux_fr
from iae_modulation.modulation import ErreurCalcul
from iae_modulation.parametres import ErreurParametre, surcharge
from iae_modulation.precedent import lire_campagne_precedente
from iae_modulation.progression import progression
from iae_modulation.referentiel import probleme_annee_campagne
from iae_modulation.simulation import (
    NOM_SIMULATION,
    NOM_SYNTHESE,
    Scenario,
    Simulation,
    simuler,
    texte_yaml,
)
from iae_modulation.sorties import DossierDeSortie, ecrire_manifeste


@dataclass
class RapportSimulation:
    """Ce que la simulation a produit, ou pourquoi elle n'a rien produit."""

    code_sortie: int
    simulation: Simulation | None = None
    sortie: Path | None = None
    fichiers: list[Path] = field(default_factory=list)
    erreur: str = ""

    def resume(self) -> str:
        if self.erreur:
            return self.erreur
        simulation = self.simulation
        if simulation is None:
            return ""
        # les lignes ATTENTION (année sans arrêté) d'abord, comme le résumé de `calculer`
        lignes = [a for a in simulation.alertes if a.startswith("ATTENTION")]
        lignes.append(
            f"{len(simulation.scenarios)} scénario(s) comparé(s) sur "
            f"{len(simulation.structures)} structures, campagne {simulation.annee} :"
        )
        for k, ligne in enumerate(simulation.resume_scenarios.itertuples(index=False)):
            texte = (
                f"- {ligne.nom} : {montant_fr(ligne.total)} (taux moyen "
                f"{taux_fr(ligne.taux_moyen or Decimal(0))})"
            )
            if k:
                texte += (
                    f" ; par rapport à « {simulation.scenarios[0].nom} » : {ligne.gagnent} "
                    f"structure(s) gagnent ({montant_fr(ligne.gains)}), {ligne.perdent} "
                    f"perdent ({montant_fr(ligne.pertes)})"
                )
            lignes.append(texte + ".")
            lignes.append(f"  {texte_methode(ligne.methode)}")
            lignes += [f"  {r}" for r in ligne.repartition]
        if simulation.precedent is not None:
            lignes += simulation.precedent.resume()
        lignes += [a for a in simulation.alertes if not a.startswith("ATTENTION")]
        if self.sortie:
            lignes.append(f"Comparaison écrite dans {self.sortie / NOM_SIMULATION}")
            lignes.append(f"Synthèse pour la commission : {self.sortie / NOM_SYNTHESE}")
            lignes.append(
                "Pour retenir un scénario : iae-modulation calculer … --methode-fichier "
                f"{self.sortie / simulation.scenarios[-1].fichier} (mêmes montants, au centime)."
            )
        return "\n".join(lignes)


def executer_simulation(
    donnees: Path,
    annee: int,
    scenarios: list[Scenario],
    sortie: Path,
    *,
    enveloppes: Path | None = None,
    precedent: Path | None = None,
    ecraser: bool = False,
    dossier_parametres: Path | None = None,
    progression_active: bool = False,
) -> RapportSimulation:
    """`iae-modulation simuler` : lit et valide les données une fois, calcule chaque scénario,
    écrit `simulation.xlsx`, la synthèse d'une page pour la commission (PDF), le fichier de
    méthode de chaque scénario et le manifeste."""
    sortie = Path(sortie)
    noms = [s.nom for s in scenarios]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    entrees = {
        "donnees": donnees,
        "enveloppes": enveloppes,
        "precedent": precedent,
        **{f"methode : {s.nom}": Path(s.methode.chemin) for s in scenarios if s.methode.chemin},
    }
    with progression("Simulation", 3, progression_active) as avancer:
        try:
            if not scenarios:
                raise ErreurEntree("Aucun scénario : donnez au moins --scenario NOM=METHODE.yaml.")
            if doublons:
                raise ErreurEntree(f"Scénarios de même nom : {', '.join(doublons)}.")
            probleme = probleme_annee_campagne(annee)
            if probleme:
                raise ErreurEntree(probleme)
            lue_precedente = (
                None if precedent is None else lire_campagne_precedente(Path(precedent), annee)
            )
            with (
                surcharge(dossier_parametres),
                DossierDeSortie(sortie, ecraser=ecraser, entrees=entrees.values()) as ecriture,
            ):
                lues = EntreesLues.lire(Path(donnees), annee, enveloppes)
                rapport = lues.rapport()
                if not rapport.est_valide:
                    raise ErreurEntree("Données invalides, aucune simulation :\n" + rapport.texte())
                avancer("données lues")
                simulation = simuler(lues, annee, scenarios, lue_precedente)
                rapport = lues.rapport_du_calcul(simulation.calculs[0], annee)
                if not rapport.est_valide:  # lignes que les règles de la date refusent
                    raise ErreurEntree("Données invalides, aucune simulation :\n" + rapport.texte())
                if lue_precedente is not None:
                    lue_precedente.rapprocher(simulation.structures["identifiant"])
                avancer("scénarios calculés")
                dossier = ecriture.temporaire
                for scenario in scenarios:
                    (dossier / scenario.fichier).write_text(
                        texte_yaml(scenario.methode), encoding="utf-8"
                    )
                ecrire_simulation(simulation, dossier)
                ecrire_manifeste(
                    dossier,
                    "simuler",
                    entrees,
                    {
                        "annee": annee,
                        "scenarios": [
                            {"nom": s.nom, "fichier": s.fichier, "methode": methode_au_manifeste(c)}
                            for s, c in zip(scenarios, simulation.calculs, strict=True)
                        ],
                        "enveloppes": {r: str(m) for r, m in (lues.enveloppes or {}).items()},
                        **(
                            {"precedent": lue_precedente.pour_le_manifeste()}
                            if lue_precedente is not None
                            else {}
                        ),
                        "date": dt.date.today().isoformat(),
                    },
                    simulation.calculs[0].parametres,
                    alertes=simulation.alertes,
                )
                fichiers = ecriture.publier()
                avancer("comparaison écrite")
        except (ErreurEntree, ErreurSortie, ErreurCalcul, ErreurParametre) as erreur:
            code = traduire(erreur)[0] if isinstance(erreur, ErreurSortie) else CODE_ENTREE_INVALIDE
            return RapportSimulation(code, erreur=str(erreur))
    return RapportSimulation(CODE_SUCCES, simulation, ecriture.dossier, fichiers)
