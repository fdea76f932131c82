Attribute VB_Name = "IAE_DiagnosticPoste"
' Bouton « Diagnostic » du ruban : dit pourquoi les boutons ou les formules ne marchent pas sur
' ce poste, et quoi faire, en français. Le module ne s'appelle pas comme son rappel
' IAE_Diagnostic : Excel refuse de lancer une macro qui porte le nom de son module.
' 1. Sans Python (VBA seul, fonctionne même si rien n'est installé) : version et architecture
'    d'Excel, interpréteur lu dans la feuille « xlwings.conf » (%VARIABLES% développées comme le
'    fait xlwings), Python de base d'un environnement virtuel (pyvenv.cfg), DLL d'xlwings là où
'    xlwings la cherche (dossier de l'interpréteur, puis son parent).
' 2. Avec Python, par la DLL comme les fonctions de feuille : versions, puis une fonction de
'    feuille d'essai (IAE_PUBLICS(10 ; 20) = 0,5).
' Le résultat est écrit dans la feuille « Journal » et affiché.
Option Explicit

Private Const MODULE_DIAGNOSTIC As String = "iae_modulation.excel.diagnostic"
Private Const MODULE_UDFS As String = "iae_modulation.excel.udfs"
Private Const CONSEIL_INSTALLER As String = "Relancez installer.cmd du paquet d'installation " & _
    "(ou demandez-le à votre correspondant informatique), puis rouvrez ce classeur."
Private Const CONSEIL_RATTACHER As String = "Rattachez ce classeur à votre installation : " & _
    """%LOCALAPPDATA%\iae-modulation\venv\Scripts\python.exe"" -m iae_modulation classeur " & _
    "rattacher ""chemin\du\classeur.xlsm"" (installer.cmd le fait pour le classeur qu'il installe)."
Private Const CONSEIL_SECURITE As String = "Excel n'a pas pu démarrer Python : une règle de " & _
    "sécurité du poste bloque probablement Python ou la DLL d'xlwings (Microsoft Defender : " & _
    "règle « processus enfants » des applications Office ; AppLocker ou App Control). " & _
    "Transmettez ce message à votre service informatique (guide docs/deploiement.md)."

Public Sub IAE_Diagnostic(control As Object)
    On Error GoTo Echec
    IAE_Diagnostiquer
    Exit Sub
Echec:
    IAE_SignalerErreur "Diagnostic", Err.Number, Err.Description
End Sub

Public Sub IAE_Diagnostiquer()
    Dim constats As String, brut As String, interpreteur As String, origine As String
    Dim dll As String, versions As String, debut As Double, essai As Variant, erreur As String

    ' 1. VBA seul
    #If Win64 Then
        constats = "Excel " & Application.Version & " 64 bits"
    #Else
        constats = "Excel " & Application.Version & " 32 bits"
    #End If
    brut = ValeurBrute("INTERPRETER_WIN")
    If brut = "" Then
        Conclure constats, "la feuille « xlwings.conf » n'indique pas quel Python utiliser " & _
            "(clé Interpreter_Win).", CONSEIL_RATTACHER
        Exit Sub
    End If
    interpreteur = GetConfig("INTERPRETER_WIN", "")
    constats = constats & vbLf & "Python du classeur : " & brut
    If interpreteur <> brut Then constats = constats & " (" & interpreteur & ")"
    If Not FileExists(interpreteur) Then
        Conclure constats, "Python est introuvable à cet endroit sur ce poste.", CONSEIL_INSTALLER
        Exit Sub
    End If
    origine = PythonDeBase(interpreteur)
    If origine <> "" Then
        constats = constats & vbLf & "Environnement virtuel, Python de base : " & origine
        If Not FileExists(origine & "\python.exe") Then
            Conclure constats, "le Python de base de l'environnement a été désinstallé ou " & _
                "déplacé.", CONSEIL_INSTALLER
            Exit Sub
        End If
    End If
    dll = CheminDLL(interpreteur)
    If dll = "" Then
        Conclure constats, "la DLL " & NomDLL() & " n'est ni à côté de Python ni dans le dossier " & _
            "parent : le paquet xlwings " & XLWINGS_VERSION & " n'est pas installé dans ce Python.", _
            CONSEIL_INSTALLER
        Exit Sub
    End If
    constats = constats & vbLf & "DLL : " & dll
    If InStr(1, brut, "\Users\", vbTextCompare) > 0 And Left$(brut, 1) <> "%" Then
        constats = constats & vbLf & "Attention : le chemin de Python est celui d'une " & _
            "personne ; un collègue qui reçoit ce classeur ne pourra pas s'en servir. " & _
            CONSEIL_RATTACHER
    End If

    ' 2. Python, démarré par la DLL comme pour les fonctions de feuille
    debut = Timer
    On Error GoTo PythonIndisponible
    versions = XLPy.Str(XLPy.Call(XLPy.Module(MODULE_DIAGNOSTIC), "versions"))
    essai = XLPy.CallUDF(MODULE_UDFS, "IAE_PUBLICS", Array(10, 20), ThisWorkbook, Nothing)
    On Error GoTo 0
    constats = constats & vbLf & versions & vbLf & "Python démarré et fonction d'essai " & _
        "calculée en " & Format(Timer - debut, "0.0") & " s"
    If TypeName(essai) <> "Double" Then
        Conclure constats, "la fonction d'essai IAE_PUBLICS(10 ; 20) a répondu « " & _
            CStr(essai) & " » au lieu de 0,5.", CONSEIL_INSTALLER
    ElseIf essai <> 0.5 Then
        Conclure constats, "la fonction d'essai IAE_PUBLICS(10 ; 20) a répondu " & _
            CStr(essai) & " au lieu de 0,5.", CONSEIL_INSTALLER
    Else
        Conclure constats, "", ""
    End If
    Exit Sub

PythonIndisponible:
    erreur = Err.Description
    Resume PythonAbsent
PythonAbsent:
    Conclure constats, "Python ne répond pas (" & PremiereLigne(erreur) & ").", _
        IIf(InStr(1, erreur, "No module named", vbTextCompare) > 0, CONSEIL_INSTALLER, _
        CONSEIL_SECURITE)
End Sub

' La valeur écrite dans la feuille « xlwings.conf », avant développement des %VARIABLES%.
Private Function ValeurBrute(cle As String) As String
    Dim ligne As Range
    On Error GoTo Absente
    For Each ligne In ThisWorkbook.Worksheets("xlwings.conf").UsedRange.Rows
        If UCase$(Trim$(CStr(ligne.Cells(1, 1).Value))) = cle Then
            ValeurBrute = Trim$(CStr(ligne.Cells(1, 2).Value))
            Exit Function
        End If
    Next ligne
Absente:
    ValeurBrute = ""
End Function

Private Function NomDLL() As String
    #If Win64 Then
        NomDLL = "xlwings64-" & XLWINGS_VERSION & ".dll"
    #Else
        NomDLL = "xlwings32-" & XLWINGS_VERSION & ".dll"
    #End If
End Function

' Là où XLPyLoadDLL (module xlwings) charge la DLL : dossier de Python, puis son parent.
Private Function CheminDLL(interpreteur As String) As String
    If FileExists(ParentFolder(interpreteur) & "\" & NomDLL()) Then
        CheminDLL = ParentFolder(interpreteur) & "\" & NomDLL()
    ElseIf FileExists(ParentFolder(ParentFolder(interpreteur)) & "\" & NomDLL()) Then
        CheminDLL = ParentFolder(ParentFolder(interpreteur)) & "\" & NomDLL()
    End If
End Function

' Le dossier du Python de base d'un environnement virtuel (clé « home » de pyvenv.cfg), ou "".
' pyvenv.cfg est écrit en UTF-8 par Python : lu en UTF-8 (ADODB.Stream), pas dans la page de
' code du poste, pour qu'un profil accentué (C:\Users\Hélène Dupont) soit lu tel quel.
Private Function PythonDeBase(interpreteur As String) As String
    Dim configuration As String, ligne As Variant
    configuration = ParentFolder(ParentFolder(interpreteur)) & "\pyvenv.cfg"
    If Not FileExists(configuration) Then Exit Function
    For Each ligne In Split(Replace(LireTexteUTF8(configuration), vbCr, ""), vbLf)
        If LCase$(Trim$(Split(ligne & "=", "=")(0))) = "home" Then
            PythonDeBase = Trim$(Mid$(ligne, InStr(ligne, "=") + 1))
        End If
    Next ligne
End Function

Private Function LireTexteUTF8(chemin As String) As String
    Dim flux As Object
    On Error GoTo Illisible
    Set flux = CreateObject("ADODB.Stream")
    flux.Type = 2 ' adTypeText
    flux.Charset = "utf-8"
    flux.Open
    flux.LoadFromFile chemin
    LireTexteUTF8 = flux.ReadText(-1) ' adReadAll
    flux.Close
    Exit Function
Illisible:
    LireTexteUTF8 = ""
End Function

Private Function PremiereLigne(texte As String) As String
    PremiereLigne = Trim$(Split(Replace(texte, vbCr, vbLf) & vbLf, vbLf)(0))
End Function

' Écrit la ligne du journal et affiche le résultat : « réussi », ou le problème et quoi faire.
Private Sub Conclure(constats As String, probleme As String, conseil As String)
    Dim journal As Worksheet, ligne As Long, resultat As String
    If probleme = "" Then
        resultat = "réussi : Python et les fonctions de feuille répondent."
    Else
        resultat = "échec : " & probleme & " " & conseil
    End If
    Set journal = ThisWorkbook.Worksheets("Journal")
    ligne = journal.Cells(journal.Rows.Count, 1).End(-4162).Row + 1 ' -4162 : xlUp
    journal.Cells(ligne, 1).Value = Format(Now, "yyyy-mm-dd hh:nn:ss")
    journal.Cells(ligne, 2).Value = "Diagnostic"
    journal.Cells(ligne, 3).Value = constats
    journal.Cells(ligne, 5).Value = resultat
    If probleme = "" Then
        MsgBox constats & vbLf & vbLf & "Tout fonctionne.", vbInformation, "IAE Modulation — diagnostic"
    Else
        MsgBox constats & vbLf & vbLf & "Problème : " & probleme & vbLf & vbLf & conseil, _
            vbExclamation, "IAE Modulation — diagnostic"
    End If
End Sub
