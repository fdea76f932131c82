"""Les erreurs que voit l'agent, et la frontière qui transforme toute exception en message français.

Codes de sortie (un seul tableau, dans le README) : 0 succès ; 1 échec du système (disque, droits,
mémoire, LibreOffice, dossier occupé par une autre exécution) ; 2 entrée ou sortie refusée (le
message nomme le fichier) ; 3 campagne qui ne se rapproche pas (`rapprocher`).
"""

from __future__ import annotations

import csv
import decimal
import errno
import json
import sys
import traceback
import zipfile
import zlib
from collections.abc import Callable

CODE_SUCCES, CODE_SYSTEME, CODE_REFUS = 0, 1, 2
CODE_INTERRUPTION = 130  # convention des terminaux : 128 + SIGINT


class ErreurEntree(Exception):
    """Fichier d'entrée illisible ou refusé ; le message est en français."""


class ErreurSortie(Exception):
    """Dossier de sortie refusé (existant, pas à l'outil, dossier courant…) ; en français."""


class ErreurOutil(Exception):
    """Un outil extérieur (LibreOffice) a échoué ou manque : code 1, message français."""


class SortieOccupee(ErreurSortie):
    """Une autre exécution écrit déjà dans ce dossier : réessayer plus tard (code 1)."""


# errno -> ce que l'agent lit ; les autres erreurs gardent le texte du système
_CAUSES_SYSTEME = {
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise (fichier ou dossier protégé)",
    errno.EROFS: "support en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EBUSY: "ressource occupée (point de montage ou fichier ouvert ailleurs)",
    errno.EXDEV: "déplacement impossible entre deux disques",
    errno.ENOTEMPTY: "dossier non vide",
    errno.EEXIST: "existe déjà",
    errno.EIO: "erreur de lecture ou d'écriture du disque",
    errno.EFBIG: "fichier trop volumineux pour ce disque (clé USB en FAT32 : 4 Go au plus) ou "
    "pour la limite fixée par le système",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENFILE: "trop de fichiers ouverts sur le système",
    errno.EINVAL: "nom ou paramètre refusé par le système",
    errno.ETIMEDOUT: "délai dépassé (partage réseau injoignable ?)",
    errno.ECONNRESET: "connexion au partage réseau interrompue",
    errno.ESTALE: "partage réseau : fichier devenu inaccessible (reconnectez le lecteur)",
    errno.ETXTBSY: "fichier en cours d'utilisation",
}
# Windows : le fichier est ouvert par un autre programme (ERROR_SHARING_VIOLATION, LOCK_VIOLATION)
_FICHIER_OUVERT = frozenset({32, 33})
# erreurs levées par une entrée abîmée qu'un lecteur n'aurait pas traduite (pas
# UnicodeEncodeError : une sortie, p. ex. un terminal qui n'affiche pas « é »)
_ENTREES_ABIMEES = (
    UnicodeDecodeError,
    zlib.error,
    EOFError,
    zipfile.BadZipFile,
    csv.Error,
    json.JSONDecodeError,
)


def cause_systeme(erreur: OSError) -> str:
    """« permission refusée », « disque plein »… ; à défaut, le numéro et le nom de l'erreur
    (jamais le texte anglais du système)."""
    if getattr(erreur, "winerror", None) in _FICHIER_OUVERT:
        return "fichier ouvert dans un autre programme (Excel, Word ?) : fermez-le"
    if erreur.errno in _CAUSES_SYSTEME:
        return _CAUSES_SYSTEME[erreur.errno]
    if erreur.errno is None:
        return f"erreur du système ({type(erreur).__name__})"
    return f"erreur du système n° {erreur.errno} ({errno.errorcode.get(erreur.errno, '?')})"


def erreur_systeme_enveloppee(erreur: BaseException) -> OSError | None:
    """L'OSError qu'une bibliothèque a enveloppée dans sa propre exception (XlsxWriter :
    `FileCreateError(OSError)`), ou None."""
    for candidate in (*erreur.args[:1], erreur.__cause__, erreur.__context__):
        if isinstance(candidate, OSError):
            return candidate
    return None


def message_systeme(erreur: OSError) -> str:
    """« Erreur du système sur /chemin : disque plein. »"""
    fichier = erreur.filename
    lieu = f" sur {fichier}" if fichier else ""
    return f"Erreur du système{lieu} : {cause_systeme(erreur)}."


def traduire(erreur: BaseException) -> tuple[int, str]:
    """(code de sortie, message français) d'une exception remontée jusqu'à la commande."""
    if isinstance(erreur, SortieOccupee | ErreurOutil):
        return CODE_SYSTEME, str(erreur)
    if isinstance(erreur, ErreurEntree | ErreurSortie):
        return CODE_REFUS, str(erreur)
    if isinstance(erreur, KeyboardInterrupt):
        return CODE_INTERRUPTION, "Interrompu : aucun résultat n'a été remplacé."
    if isinstance(erreur, MemoryError):
        return CODE_SYSTEME, (
            "Mémoire insuffisante : le traitement a été arrêté, aucun résultat n'a été remplacé."
        )
    if isinstance(erreur, decimal.DecimalException):
        return CODE_REFUS, (
            "Calcul impossible : un nombre des entrées sort des limites "
            f"({type(erreur).__name__}) ; aucun résultat n'a été remplacé."
        )
    if isinstance(erreur, _ENTREES_ABIMEES):
        return (
            CODE_REFUS,
            f"Fichier d'entrée abîmé ou illisible ({type(erreur).__name__} : {erreur}).",
        )
    if isinstance(erreur, OSError):
        return CODE_SYSTEME, message_systeme(erreur)
    systeme = erreur_systeme_enveloppee(erreur)
    if systeme is not None:
        return CODE_SYSTEME, message_systeme(systeme)
    return CODE_SYSTEME, (
        f"Erreur inattendue ({type(erreur).__name__} : {erreur}) ; aucun résultat n'a été remplacé."
        " Relancez avec --debogage pour le détail technique."
    )


def frontiere(commande: Callable[[], int], debogage: bool = False) -> int:
    """Exécute la commande ; toute exception devient un message français sur la sortie d'erreur
    et un code de sortie. La trace Python n'est affichée qu'avec `debogage`."""
    try:
        return commande()
    except (Exception, KeyboardInterrupt) as erreur:
        if debogage:
            traceback.print_exc(file=sys.stderr)
        code, message = traduire(erreur)
        print(message, file=sys.stderr)
        return code
