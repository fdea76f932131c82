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
from iae_modulation.registre import EN_VIGUEUR, REMPLACEE, ActeEnregistre, lire_registre
from iae_modulation.sorties import NOM_REGISTRE, ErreurEntree, sha256


@dataclass
class LigneRegistre:
    """Une décision du registre, et ce que le rapprochement en a constaté (feuille « Registre »)."""

    acte: ActeEnregistre
    registre: Path
    constat: str = ""


class Registre:
    """Les registres des actes des grands livres et du dossier de campagne, par numéro."""

    def __init__(self, dossiers: list[Path], rapprochement: Rapprochement) -> None:
        self.lignes: list[LigneRegistre] = []
        self._par_numero: dict[str, LigneRegistre] = {}
        self.illisible = False  # un registre refusé : on ne sait pas qui y manque
        vus: set[Path] = set()
        for dossier in dossiers:
            if dossier.resolve() in vus or not (dossier / NOM_REGISTRE).is_file():
                continue
            vus.add(dossier.resolve())
            try:
                actes = lire_registre(dossier)
            except ErreurEntree as erreur:
                self.illisible = True
                rapprochement.ecart(
                    "", "", str(dossier / NOM_REGISTRE), f"registre illisible : {erreur}"
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
                objet = rapprochement.relatif(acte.docx.chemin)
                rapprochement.ecart(cle[1], cle[2], objet, probleme)
            if self.payable(acte) and acte.docx.chemin.is_file():
                # deux copies identiques d'une même décision ne font qu'une décision
                vivantes[cle].setdefault(sha256(acte.docx.chemin), acte)
        for (annee, departement, mesure), actes in sorted(vivantes.items(), key=str):
            if len(actes) > 1:
                fichiers = ", ".join(rapprochement.relatif(a.docx.chemin) for a in actes.values())
                rapprochement.ecart(
                    departement,
                    mesure,
                    ", ".join(f"n° {a.numero}" for a in actes.values()),
                    f"{len(actes)} décisions signées vivantes pour {annee} {mesure} {departement} "
                    f"(l'ASP paierait deux fois : {fichiers}) ; une décision ré-émise doit l'être "
                    "avec --remplace NUMÉRO, qui passe l'ancienne à « remplacée » au registre",
                )
        self._en_vigueur(rapprochement)

    def _constats(self, acte: Acte, cle: tuple) -> list[str]:
        """Ce qui ne va pas entre une décision signée et sa ligne du registre."""
        ligne = self.enregistre(acte)
        if ligne is None and self.illisible:
            return []  # le registre refusé est l'écart
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
        ligne.constat = " ; ".join(problemes) or "conforme"
        return problemes

    def _en_vigueur(self, rapprochement: Rapprochement) -> None:
        """Chaque décision en vigueur du registre est là où il l'a enregistrée (une seule l'est
        par clé : `lire_registre` refuse un registre qui en a deux)."""
        for ligne in self.lignes:
            acte = ligne.acte
            if acte.statut == EN_VIGUEUR and not (ligne.registre / acte.fichier_docx).is_file():
                ligne.constat = ligne.constat or "document introuvable"
                rapprochement.ecart(
                    acte.departement,
                    acte.mesure,
                    f"n° {acte.numero}",
                    f"décision en vigueur au registre introuvable ({acte.fichier_docx})",
                )
