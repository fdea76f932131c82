"""Notifications (annexe 4) à l'échelle nationale : 4 500 lettres Word, comparées à docxtpl.

Cibles (issue 4) :
- 4 500 lettres .docx (avec l'index et le manifeste) en 15 s au plus ;
- débit du modèle compilé au moins 5 fois celui d'un rendu docxtpl lettre par lettre du même
  modèle, mesurés dans la même exécution (lettres par seconde pour les deux) ;
- PDF : secondes par lettre en un seul lot LibreOffice (échantillon de 100 lettres), affiché.
Usage : python benchmarks/bench_notifications.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from docxtpl import DocxTemplate
from iae_modulation.campagne import executer_calcul
from iae_modulation.documents import pdf
from iae_modulation.documents.calcul_lettre import Campagne
from iae_modulation.documents.mots_dates import mots_de_la_campagne
from iae_modulation.documents.notifications import (
    MODELE_NOTIFICATION,
    ContexteLettres,
    generer_notifications,
    valeurs_notification,
)
from iae_modulation.documents.publipostage import ModeleCompile
from iae_modulation.documents.signature import Signature
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.synthetique import ecrire_csv, generer_donnees_nationales
from outils import rapporter, secondes_fr

ANNEE = 2026
NB_STRUCTURES = 4500
ECHANTILLON_DOCXTPL = 300
ECHANTILLON_PDF = 100
CIBLE_LETTRES = 15.0
RAPPORT_MIN = 5.0
SIGNATURE = Signature(region="Grand Est", lieu="Strasbourg", signataire="Jeanne Martin")


def debit(nombre: int, duree: float) -> str:
    return f"{nombre / duree:,.0f}".replace(",", "\u00a0") + " lettres/s"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as temporaire:
        dossier = Path(temporaire)
        donnees = ecrire_csv(
            generer_donnees_nationales(NB_STRUCTURES, annee=ANNEE), dossier / "donnees.csv"
        )
        calcul = executer_calcul(donnees, ANNEE, dossier / "calcul", progression_active=False)
        resultats = calcul.sortie / "resultats.csv"

        debut = time.perf_counter()
        rapport = generer_notifications(
            resultats,
            donnees,
            ANNEE,
            dossier / "lettres",
            signature=SIGNATURE,
            progression=False,
            pdf=False,  # les .docx seuls : les PDF sont mesurés à part, sur un échantillon
        )
        duree = time.perf_counter() - debut
        print(
            f"{rapport.nb_lettres} lettres, index et manifeste ({debit(rapport.nb_lettres, duree)})"
        )
        tenu = rapporter(f"{NB_STRUCTURES} notifications .docx", duree, CIBLE_LETTRES)

        lignes = lire_grand_livre(resultats).lignes
        contexte = ContexteLettres(
            mots_de_la_campagne(ANNEE, SIGNATURE.date), Campagne.du_grand_livre(lignes)
        )
        contextes = [
            valeurs_notification(s, SIGNATURE, contexte) for s in lignes[:ECHANTILLON_DOCXTPL]
        ]
        (dossier / "compile").mkdir()
        debut = time.perf_counter()
        compile_ = ModeleCompile(MODELE_NOTIFICATION)
        for numero, valeurs in enumerate(contextes):
            compile_.ecrire(valeurs, dossier / "compile" / f"{numero}.docx")
        duree_compile = time.perf_counter() - debut

        (dossier / "docxtpl").mkdir()
        debut = time.perf_counter()
        for numero, valeurs in enumerate(contextes):
            modele = DocxTemplate(str(MODELE_NOTIFICATION))
            # le tableau des critères (XML Word) n'est pas un champ de texte pour docxtpl
            modele.render({c: v if isinstance(v, str) else "" for c, v in valeurs.items()})
            modele.save(str(dossier / "docxtpl" / f"{numero}.docx"))
        duree_docxtpl = time.perf_counter() - debut
        rapport_debits = duree_docxtpl / duree_compile
        tenu_debit = rapport_debits >= RAPPORT_MIN
        print(
            f"Même modèle, {len(contextes)} lettres : modèle compilé "
            f"{debit(len(contextes), duree_compile)}, docxtpl lettre par lettre "
            f"{debit(len(contextes), duree_docxtpl)} : {rapport_debits:.1f} fois plus rapide "
            f"(cible ≥ {RAPPORT_MIN:.0f}) {'OK' if tenu_debit else 'DÉPASSÉ'}"
        )
        tenu &= tenu_debit

        if pdf.libreoffice_disponible():
            lettres = sorted((dossier / "lettres").glob("notification_*.docx"))[:ECHANTILLON_PDF]
            debut = time.perf_counter()
            pdf.convertir_en_pdf(lettres, dossier / "pdf")
            duree_pdf = time.perf_counter() - debut
            par_lettre = f"{duree_pdf / len(lettres):.3f}".replace(".", ",")
            print(
                f"PDF : {len(lettres)} lettres en un lot LibreOffice en {secondes_fr(duree_pdf)}, "
                f"soit {par_lettre} s par lettre (démarrage compris)"
            )
        else:
            print("PDF : LibreOffice absent, conversion non mesurée.")
    print("Toutes les cibles tenues." if tenu else "Au moins une cible dépassée.")


if __name__ == "__main__":
    main()
