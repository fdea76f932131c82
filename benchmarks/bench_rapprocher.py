#!/usr/bin/env python3
"""Banc d'essai national de `iae-modulation rapprocher` (issue 16).

Cas national : ≈ 4 500 structures sur 101 départements (générateur synthétique), calculées, puis
les décisions de paiement signées de toutes les mesures présentes (annexe 5, une par département
et mesure, au registre des actes) et une lettre signée par structure (annexe 4), tirées du même
grand livre. Mesure : `rapprocher` (relecture des manifestes, des données intégrées et du texte
de chaque .docx, du registre) puis l'écriture de `rapprochement.xlsx` et du bordereau d'envoi
(`publier`), comme la commande. Temps écoulé et temps de calcul (processus et processus fils :
la moitié des PDF est lue sur le second cœur), médiane de `--repetitions` exécutions.

Cible : 60 s écoulées sans PDF. Produire ces documents prend 25 s (cibles de l'annexe 5, 10 s,
et des notifications, 15 s) ; les relire tous, avec les vérifications de texte, en deux fois
plus de temps au plus reste une commande qu'on attend devant l'écran avant d'envoyer une
campagne, sur un poste à 2 cœurs partagé.

`--pdf MESURE` : une seconde campagne, identique, dont les décisions de cette mesure sont aussi
en PDF (un lot LibreOffice) ; chaque PDF est relu par pypdf (empreinte et texte). Affiche le
nombre de pages et le temps de calcul par page ajouté (différence avec la campagne sans PDF,
mesurées dans la même exécution), pour estimer une campagne nationale tout en PDF.

    python benchmarks/bench_rapprocher.py                  # sans PDF
    python benchmarks/bench_rapprocher.py --pdf AI         # et un échantillon de PDF
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from iae_modulation.annexe5 import MESURES, executer_annexe5
from iae_modulation.campagne import executer_calcul
from iae_modulation.documents.notifications import generer_notifications
from iae_modulation.documents.pdf import libreoffice_disponible
from iae_modulation.documents.signature import Signature
from iae_modulation.exports.exemples import ecrire_export_xlsx
from iae_modulation.rapprochement import CODE_CONCORDANT, NOM_RAPPROCHEMENT, rapprocher
from iae_modulation.rapprochement.rapport import publier
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import rapporter, secondes_fr
from pypdf import PdfReader

ANNEE = 2026
NB_STRUCTURES = 4_500
CIBLE_SANS_PDF = 60.0
SIGNATURE = Signature(lieu="Paris", signataire="Banc d'essai")


def preparer_campagne(table: pd.DataFrame, dossier: Path, pdf: str | None) -> None:
    """Calcul, annexe 5 de chaque mesure présente (en PDF pour la mesure `pdf`) et lettres."""
    (dossier / "exports").mkdir(parents=True)
    donnees = ecrire_csv(table, dossier / "donnees.csv")
    calcul = executer_calcul(donnees, ANNEE, dossier / "calcul", progression_active=False)
    resultats = dossier / "calcul" / "resultats.csv"
    presentes = [m for m in MESURES if (table["type"] == m).any()]  # pas d'EITI en 2026
    for mesure in presentes:
        export = ecrire_export_xlsx(table, mesure, ANNEE, dossier / "exports" / f"{mesure}.xlsx")
        rapport = executer_annexe5(
            export,
            mesure,
            ANNEE,
            dossier / "annexe5" / mesure,
            resultats=resultats,
            signature=SIGNATURE,
            pdf=mesure == pdf,
        )
        if rapport.code_sortie:
            raise SystemExit(rapport.resume())
    lettres = generer_notifications(
        resultats,
        donnees,
        ANNEE,
        dossier / "notifications",
        signature=SIGNATURE,
        progression=False,
        pdf=False,
    )
    print(
        f"Campagne {dossier.name} : {len(calcul.resultats)} structures, mesures "
        f"{', '.join(presentes)}, {lettres.nb_lettres} lettres"
        + (f", décisions {pdf} en PDF" if pdf else "")
    )


def temps_cpu() -> float:
    """Temps de calcul du processus et de ses fils terminés (utilisateur et système)."""
    temps = os.times()
    return temps.user + temps.system + temps.children_user + temps.children_system


def mesurer_rapprochement(dossier: Path, repetitions: int) -> tuple[float, float]:
    """Médianes (écoulé, calcul) de `rapprocher` suivi de `publier` ; le rapprochement doit
    être concordant (tout est alors vérifié)."""
    ecoules, calculs = [], []
    for _ in range(repetitions):
        debut, debut_cpu = time.perf_counter(), temps_cpu()
        rapprochement = rapprocher(dossier)
        refus = publier(rapprochement, dossier / NOM_RAPPROCHEMENT)
        ecoules.append(time.perf_counter() - debut)
        calculs.append(temps_cpu() - debut_cpu)
        if rapprochement.code_sortie != CODE_CONCORDANT or refus:
            raise SystemExit(f"{rapprochement.resume()}\n{refus}")
    (campagne,) = rapprochement.campagnes
    print(
        f"  {sum(c.structures for c in campagne.decisions.values())} structures payées par "
        f"{len(campagne.decisions)} décisions, {len(rapprochement.documents)} documents relus, "
        f"{len(rapprochement.envois)} lignes au bordereau ; écoulé "
        f"{' / '.join(secondes_fr(d) for d in ecoules)}, calcul "
        f"{' / '.join(secondes_fr(d) for d in calculs)}"
    )
    return statistics.median(ecoules), statistics.median(calculs)


def pages_pdf(dossier: Path) -> tuple[int, int]:
    """Nombre de PDF sous `dossier` et leur nombre total de pages."""
    pdf = sorted(dossier.rglob("*.pdf"))
    return len(pdf), sum(len(PdfReader(chemin).pages) for chemin in pdf)


def main() -> int:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--structures", type=int, default=NB_STRUCTURES)
    parseur.add_argument("--repetitions", type=int, default=3)
    parseur.add_argument(
        "--pdf", choices=MESURES, help="et une campagne dont les décisions de MESURE sont en PDF"
    )
    args = parseur.parse_args()
    if args.pdf and not libreoffice_disponible():
        print("PDF : LibreOffice absent, la seconde campagne n'est pas mesurée.")
        args.pdf = None
    print(f"Charge de la machine : {os.getloadavg()[0]:.1f} sur {os.cpu_count()} cœurs")
    with tempfile.TemporaryDirectory(prefix="bench-rapprocher-") as temporaire:
        dossier = Path(temporaire)
        table = generer_donnees_nationales(args.structures, annee=ANNEE)
        preparer_campagne(table, dossier / "sans_pdf", None)
        ecoule, calcul = mesurer_rapprochement(dossier / "sans_pdf", args.repetitions)
        tenu = rapporter(
            f"rapprocher national, sans PDF (calcul {secondes_fr(calcul)})", ecoule, CIBLE_SANS_PDF
        )
        if args.pdf:
            preparer_campagne(table, dossier / "avec_pdf", args.pdf)
            nombre, pages = pages_pdf(dossier / "avec_pdf")
            ecoule_pdf, calcul_pdf = mesurer_rapprochement(dossier / "avec_pdf", args.repetitions)
            par_page = (calcul_pdf - calcul) / pages * 1000
            print(
                f"rapprocher national, décisions {args.pdf} en PDF ({nombre} PDF, {pages} "
                f"pages) : {secondes_fr(ecoule_pdf)} écoulées, calcul {secondes_fr(calcul_pdf)}, "
                f"soit {par_page:.0f} ms de calcul par page de PDF"
            )
    print(f"Charge de la machine à la fin : {os.getloadavg()[0]:.1f}")
    print("Cible tenue." if tenu else "Cible dépassée.")
    return 0 if tenu else 1


if __name__ == "__main__":
    raise SystemExit(main())
