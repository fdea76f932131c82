"""Un clic sur « Calculer la modulation » (issue 10) : le même travail que le bouton du ruban,
sur le classeur de la plus grande région (≈ 520 structures, Auvergne-Rhône-Alpes).

Mesures, dans la même exécution et en alternance (la machine de mesure est partagée) :
- plancher : `python -c "import pandas, openpyxl"`, le démarrage d'un Python qui charge les
  bibliothèques d'un classeur ;
- clic à froid : `iae-modulation classeur executer calculer CLASSEUR` (un Python neuf, comme
  RunPython sans « Use UDF Server ») ;
- clic à chaud : la même action dans un Python déjà chargé (RunPython avec « Use UDF Server »,
  à partir du deuxième clic).

Les modules du paquet sont d'abord compilés (`compileall`, fichiers `__pycache__` ignorés par
git), comme les installe `installer.cmd` et comme le sont pandas et openpyxl : sans cela, un
Python lancé avec PYTHONDONTWRITEBYTECODE (ou `-B`, comme RunPython) les recompilerait à
chaque clic.

Cible : clic à froid au plus 1,6 fois le plancher (médianes) ; clic à chaud sous une seconde.

Avec --comparer (issue 18) : sur le gabarit livré (les 40 structures de la démonstration, ses
trois scénarios d'exemple), « Comparer des méthodes » au plus deux fois « Calculer la
modulation », à froid (processus neufs) et à chaud (Python déjà chargé), médianes alternées.
Usage : python benchmarks/bench_clic.py [--repetitions 7] [--comparer]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from iae_modulation.excel import construction, macros
from iae_modulation.excel.fichier import ClasseurFichier
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import mesurer, rapporter, secondes_fr

REGION = "Auvergne-Rhône-Alpes"
CIBLE_RAPPORT = 1.6
CIBLE_CHAUD = 1.0
CIBLE_COMPARER = 2.0  # « Comparer des méthodes » / « Calculer la modulation », sur la démo
PARAMETRES = ["--parametre", "annee=2026", "--parametre", f"region={REGION}"]
PARAMETRES += ["--parametre", "enveloppe=3800000"]


def classeur_region(dossier: Path) -> Path:
    """Le gabarit construit avec les structures fictives de la plus grande région."""
    table = generer_donnees_nationales(4500)
    region = table[table["region"] == REGION]
    structures = ecrire_csv(region, dossier / "structures.csv")
    return construction.construire(dossier / "region.xlsm", structures=structures)


def duree(commande: list[str]) -> float:
    debut = time.perf_counter()
    subprocess.run(commande, check=True, capture_output=True)
    return time.perf_counter() - debut


def compiler_le_paquet() -> None:
    paquet = Path(construction.__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(paquet)], check=True)


def comparer_et_calculer(repetitions: int) -> int:
    """« Comparer des méthodes » face à « Calculer la modulation » sur le gabarit de démo."""
    parametres = ["--parametre", "annee=2026", "--parametre", "region=Grand Est"]
    parametres += ["--parametre", "enveloppe=295600"]
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        compiler_le_paquet()
        copie = dossier / "clic.xlsm"
        froid: dict[str, list[float]] = {"calculer": [], "comparer": []}
        for _ in range(repetitions):
            for action in froid:
                shutil.copyfile(construction.GABARIT, copie)
                froid[action].append(
                    duree(
                        [sys.executable, "-m", "iae_modulation.cli", "classeur", "executer"]
                        + [action, str(copie), *parametres]
                    )
                )
        chaud: dict[str, list[float]] = {"calculer": [], "comparer": []}
        for rang in range(repetitions + 1):
            for action in chaud:
                shutil.copyfile(construction.GABARIT, copie)
                classeur = ClasseurFichier(copie)
                classeur.ecrire_parametre("annee", 2026)
                classeur.ecrire_parametre("region", "Grand Est")
                classeur.ecrire_parametre("enveloppe", 295600)
                classeur.ecrire_parametre("dossier_sortie", f"sorties-{action}-{rang}")
                debut = time.perf_counter()
                resultat = macros.ACTIONS[action](classeur)
                if rang:  # le premier tour charge les modules
                    chaud[action].append(time.perf_counter() - debut)
                assert resultat.code == 0, resultat.message
    tenus = []
    for nom, mesures in (("à froid", froid), ("à chaud", chaud)):
        calcul, comparaison = (statistics.median(mesures[a]) for a in ("calculer", "comparer"))
        rapport = comparaison / calcul
        tenu = rapport <= CIBLE_COMPARER
        tenus.append(tenu)
        print(
            f"Clic {nom}, démonstration : Calculer {secondes_fr(calcul)}, Comparer des méthodes "
            f"(trois scénarios) {secondes_fr(comparaison)} ; rapport {rapport:.2f} (cible "
            f"{CIBLE_COMPARER:.1f}) {'OK' if tenu else 'DÉPASSÉ'}".replace(".", ",")
        )
    return 0 if all(tenus) else 1


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--repetitions", type=int, default=7)
    arguments.add_argument("--comparer", action="store_true")
    options = arguments.parse_args()
    repetitions = options.repetitions
    if options.comparer:
        return comparer_et_calculer(repetitions)
    with tempfile.TemporaryDirectory() as dossier:
        dossier = Path(dossier)
        modele = classeur_region(dossier)
        compiler_le_paquet()
        copie = dossier / "clic.xlsm"
        plancher, froid = [], []
        for _ in range(repetitions):
            plancher.append(duree([sys.executable, "-c", "import pandas, openpyxl"]))
            shutil.copyfile(modele, copie)
            froid.append(
                duree(
                    [sys.executable, "-m", "iae_modulation.cli", "classeur", "executer"]
                    + ["calculer", str(copie), *PARAMETRES]
                )
            )

        clics = iter(range(repetitions + 1))

        def clic_chaud() -> None:
            shutil.copyfile(modele, copie)
            classeur = ClasseurFichier(copie)
            classeur.ecrire_parametre("annee", 2026)
            classeur.ecrire_parametre("region", REGION)
            classeur.ecrire_parametre("enveloppe", 3800000)
            classeur.ecrire_parametre("dossier_sortie", f"sorties-chaud-{next(clics)}")
            resultat = macros.ACTIONS["calculer"](classeur)
            assert resultat.code == 0, resultat.message

        clic_chaud()
        chaud = mesurer(clic_chaud, repetitions=repetitions)
    mediane_plancher, mediane_froid = statistics.median(plancher), statistics.median(froid)
    rapport = mediane_froid / mediane_plancher
    print(
        f"Plancher « import pandas, openpyxl » : {secondes_fr(mediane_plancher)} "
        f"(de {secondes_fr(min(plancher))} à {secondes_fr(max(plancher))})"
    )
    print(
        f"Clic à froid, classeur executer calculer ({REGION}) : {secondes_fr(mediane_froid)} "
        f"(de {secondes_fr(min(froid))} à {secondes_fr(max(froid))})"
    )
    tenu = rapport <= CIBLE_RAPPORT
    print(
        f"Rapport clic à froid / plancher : {rapport:.2f} (cible {CIBLE_RAPPORT:.1f}) "
        f"{'OK' if tenu else 'DÉPASSÉ'}".replace(".", ",")
    )
    tenus = [tenu, rapporter("Clic à chaud (Python déjà chargé)", chaud, CIBLE_CHAUD)]
    return 0 if all(tenus) else 1


if __name__ == "__main__":
    sys.exit(main())
