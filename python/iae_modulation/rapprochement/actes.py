"""Le registre des actes (`registre.csv`, à côté du grand livre) face aux décisions trouvées :
seule une décision signée « en vigueur » est payable ; une décision signée absente du registre,
dont le document n'est pas celui que le registre a enregistré (SHA-256), ou vivante à côté d'une
autre pour la même année, le même département et la même mesure (ré-émise sans `--remplace`)
est un écart : l'ASP pourrait payer deux fois.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from iae_modulation.rapprochement.inventaire import TYPE_DECISION, Acte
from iae_modulation.rapprochement.resultat import Rapprochement
from iae_modulation.registre import ActeEnregistre, lire_registre
from iae_modulation.sorties import ErreurEntree, sha256

EN_VIGUEUR = "en vigueur"
REMPLACEE = "remplacée"


@dataclass
class LigneRegistre:
    """Une décision du registre, et ce que le rapprochement en a constaté (feuille « Registre »)."""

    acte: ActeEnregistre
    registre: Path
    trouvee: str = ""  # le document trouvé sous le dossier de campagne
    constat: str = ""


class Registre:
    """Les registres des actes des grands livres et du dossier de campagne, par numéro."""

    def __init__(self, dossiers: list[Path], rapprochement: Rapprochement) -> None:
        self.lignes: list[LigneRegistre] = []
        self._par_numero: dict[str, LigneRegistre] = {}
        vus: set[Path] = set()
        for dossier in dossiers:
            if dossier.resolve() in vus or not (dossier / "registre.csv").is_file():
                continue
            vus.add(dossier.resolve())
            try:
                actes = lire_registre(dossier)
            except ErreurEntree as erreur:
                rapprochement.ecart(
                    "", "", str(dossier / "registre.csv"), f"registre illisible : {erreur}"
                )
                continue
            for acte in actes:
                ligne = LigneRegistre(acte, dossier)
                self.lignes.append(ligne)
                self._par_numero.setdefault(acte.numero, ligne)

    def enregistre(self, acte: Acte) -> LigneRegistre | None:
        return self._par_numero.get(acte.numero or "")

    def payable(self, acte: Acte) -> bool:
        """Vrai pour une décision signée que le registre ne dit pas remplacée."""
        ligne = self.enregistre(acte)
        return ligne is None or ligne.acte.statut != REMPLACEE

    def pourquoi_non_payable(self, acte: Acte) -> str:
        ligne = self.enregistre(acte)
        par = (
            f" par la décision n° {ligne.acte.remplacee_par}"
            if ligne and ligne.acte.remplacee_par
            else ""
        )
        return f"décision n° {acte.numero} remplacée{par} (registre) : non payable, à archiver"

    def verifier(self, rapprochement: Rapprochement, decisions: list[Acte]) -> None:
        """Chaque décision signée trouvée est au registre, telle qu'enregistrée ; une seule est
        vivante par année, département et mesure ; chaque décision en vigueur du registre est
        trouvée."""
        vivantes: dict[tuple, dict[str, Acte]] = defaultdict(dict)
        for acte in decisions:
            donnees = acte.donnees or {}
            if donnees.get("type") != TYPE_DECISION or not acte.signe:
                continue
            cle = (
                donnees.get("annee"),
                str(donnees.get("departement")),
                str(donnees.get("mesure")),
            )
            for probleme in self._constats(acte, cle):
                rapprochement.ecart(cle[1], cle[2], str(acte.docx.chemin), probleme)
            if self.payable(acte):
                vivantes[cle].setdefault(str(acte.numero), acte)
        for (annee, departement, mesure), actes in sorted(vivantes.items(), key=str):
            if len(actes) > 1:
                rapprochement.ecart(
                    departement,
                    mesure,
                    ", ".join(f"n° {n}" for n in sorted(actes)),
                    f"{len(actes)} décisions signées vivantes pour {annee} {mesure} {departement} "
                    "(l'ASP paierait deux fois) : une décision ré-émise doit l'être avec "
                    "--remplace NUMÉRO, qui passe l'ancienne à « remplacée » au registre",
                )
        self._en_vigueur(rapprochement)

    def _constats(self, acte: Acte, cle: tuple) -> list[str]:
        """Ce qui ne va pas entre une décision signée et sa ligne du registre."""
        ligne = self.enregistre(acte)
        if ligne is None:
            return [
                f"décision signée n° {acte.numero} absente du registre des actes (registre.csv "
                "à côté du grand livre) : elle n'a pas été enregistrée"
            ]
        enregistree = ligne.acte
        problemes = []
        if (enregistree.annee, enregistree.departement, enregistree.mesure) != cle:
            problemes.append(
                f"décision n° {acte.numero} : le registre l'enregistre pour {enregistree.annee} "
                f"{enregistree.mesure} {enregistree.departement}"
            )
        if sha256(acte.docx.chemin) != enregistree.sha256_docx:
            problemes.append(
                f"décision n° {acte.numero} : {acte.docx.nom} n'est pas le document enregistré au "
                "registre (empreinte SHA-256 différente)"
            )
        pdf = acte.pdf.chemin if acte.pdf is not None else None
        if (
            enregistree.sha256_pdf
            and pdf is not None
            and pdf.is_file()
            and (sha256(pdf) != enregistree.sha256_pdf)
        ):
            problemes.append(
                f"décision n° {acte.numero} : {pdf.name} n'est pas le PDF enregistré au "
                "registre (empreinte SHA-256 différente)"
            )
        ligne.trouvee = str(acte.docx.chemin)
        ligne.constat = " ; ".join(problemes) or "conforme"
        return problemes

    def _en_vigueur(self, rapprochement: Rapprochement) -> None:
        """Une seule décision en vigueur par clé au registre, et son document est là."""
        par_cle: dict[tuple, list[LigneRegistre]] = defaultdict(list)
        for ligne in self.lignes:
            acte = ligne.acte
            if acte.statut != EN_VIGUEUR:
                continue
            par_cle[(acte.annee, acte.departement, acte.mesure)].append(ligne)
            if not (ligne.registre / acte.fichier_docx).is_file():
                ligne.constat = ligne.constat or "document introuvable"
                rapprochement.ecart(
                    acte.departement,
                    acte.mesure,
                    f"n° {acte.numero}",
                    f"décision en vigueur au registre introuvable ({acte.fichier_docx})",
                )
        for (annee, departement, mesure), lignes in sorted(par_cle.items(), key=str):
            if len(lignes) > 1:
                rapprochement.ecart(
                    departement,
                    mesure,
                    ", ".join(f"n° {ligne.acte.numero}" for ligne in lignes),
                    f"le registre a {len(lignes)} décisions en vigueur pour {annee} {mesure} "
                    f"{departement}",
                )
